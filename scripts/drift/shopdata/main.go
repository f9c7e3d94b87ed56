package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/train"
)

func main() {
	root := flag.String("shop", "corpora/shop", "the sample shop's directory")
	out := flag.String("out", "", "JSON lines to write")
	flag.Parse()
	if err := run(*root, *out); err != nil {
		fmt.Fprintln(os.Stderr, "shopdata:", err)
		os.Exit(1)
	}
}

type line struct {
	Text   string `json:"text"`
	Intent string `json:"intent"`
	SentAt int64  `json:"sent_at"`
	Conv   string `json:"conv"`
}

func run(root, out string) error {
	if out == "" {
		return errors.New("-out is required")
	}
	convs, _, _, err := train.ReadConversations(context.Background(), train.DataOptions{
		Paths:  []string{filepath.Join(root, "chats")},
		Labels: []string{filepath.Join(root, "gold", "labels.jsonl")},
	}, nil)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	seen := map[string]bool{}
	for _, c := range convs {
		for _, t := range c.Turns {
			if t.Intent == "" || seen[t.Text] {
				continue // a repeated text trains and tests once, as in zhiyi's own import
			}
			seen[t.Text] = true
			if err := enc.Encode(line{t.Text, t.Intent, t.Time.UnixMilli(), c.Key}); err != nil {
				return err
			}
		}
	}
	return errors.Join(w.Flush(), f.Close())
}
