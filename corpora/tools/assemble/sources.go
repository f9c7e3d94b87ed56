package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"unicode"
)

// parseFile reads one authoring file.
func parseFile(path string, known map[string]bool) ([]*conversation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var convs []*conversation
	var cur *conversation
	closeConv := func() error {
		if cur == nil {
			return nil
		}
		if !slices.ContainsFunc(cur.msgs, func(m message) bool { return m.customer }) {
			return fmt.Errorf("%s: conversation without customer messages", cur.where)
		}
		convs = append(convs, cur)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		where := fmt.Sprintf("%s:%d", path, n)
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case line == "===" || strings.HasPrefix(line, "=== "):
			if err := closeConv(); err != nil {
				return nil, err
			}
			cur = &conversation{where: where}
			continue
		}
		label, text, ok := strings.Cut(line, " | ")
		text = strings.TrimSpace(text)
		if !ok {
			return nil, fmt.Errorf("%s: malformed line (want `=== …`, `C <intent> | text` or `A | text`): %q", where, line)
		}
		if text == "" {
			return nil, fmt.Errorf("%s: empty message text", where)
		}
		if cur == nil {
			return nil, fmt.Errorf("%s: message before the first === line", where)
		}
		f := strings.Fields(label)
		switch {
		case len(f) == 1 && f[0] == "A":
			cur.msgs = append(cur.msgs, message{text: text})
		case len(f) == 2 && f[0] == "C":
			if !known[f[1]] {
				return nil, fmt.Errorf("%s: unknown intent %q", where, f[1])
			}
			cur.msgs = append(cur.msgs, message{customer: true, intent: f[1], text: text})
		default:
			return nil, fmt.Errorf("%s: malformed label %q (want `C <intent>` or `A`)", where, label)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := closeConv(); err != nil {
		return nil, err
	}
	return convs, nil
}

// normalize folds full-width forms, lower-cases and collapses whitespace; it
// is the key under which customer texts must be distinct.
func normalize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
			return unicode.ToLower(r - 0xfee0)
		case r == 0x3000:
			return ' '
		case r == 0xff61:
			return '。'
		case r == 0xff62:
			return '「'
		case r == 0xff63:
			return '」'
		case r == 0xff64:
			return '、'
		case r == 0xffe0:
			return '¢'
		case r == 0xffe1:
			return '£'
		case r == 0xffe5:
			return '¥'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// dedupe drops customer texts that repeat an earlier one (in source order)
// and conversations left without customer messages.
func dedupe(convs []*conversation) (kept []*conversation, dups, emptied int) {
	seen := map[string]bool{}
	for _, c := range convs {
		msgs := c.msgs[:0]
		customers := 0
		for _, m := range c.msgs {
			if m.customer {
				k := normalize(m.text)
				if seen[k] {
					dups++
					continue
				}
				seen[k] = true
				customers++
			}
			msgs = append(msgs, m)
		}
		c.msgs = msgs
		if customers == 0 {
			emptied++
			continue
		}
		kept = append(kept, c)
	}
	return kept, dups, emptied
}

// hideLabel decides from the seed and the text alone whether a customer
// message loses its label, so edits elsewhere do not move hidden labels.
func hideLabel(seed uint64, m *message) bool {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(normalize(m.text)))
	u := float64(h.Sum64()>>11) / (1 << 53)
	if m.intent == "greeting" || m.intent == "thanks_goodbye" {
		return u < hideChat
	}
	return u < hideRate
}
