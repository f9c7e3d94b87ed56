package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/train"
)

func main() {
	model := flag.String("model", "models/shop", "model bundle")
	data := flag.String("data", "corpora/shop/chats", "exports")
	gold := flag.String("gold", "corpora/shop/gold/labels.jsonl", "gold labels ({\"msgid\",\"intent\"} lines)")
	weights := flag.String("w", "-1,1,2,3", "context weights to try, comma-separated (-1: none)")
	sims := flag.String("sim", "0.35", "minimum similarities to try, comma-separated")
	since := flag.String("since", "", "only messages from this date")
	until := flag.String("until", "", "only messages before this date")
	post := flag.Bool("post", false, "context: the active intent after the message's decision")
	flag.Parse()
	ctx := context.Background()
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		fatal(err)
	}
	convs, _, _, err := train.ReadConversations(ctx, train.DataOptions{Paths: []string{*data}, Labels: []string{*gold}}, os.Stderr)
	if err != nil {
		fatal(err)
	}
	var from, to time.Time
	if *since != "" {
		if from, err = time.ParseInLocation(time.DateOnly, *since, period.CST); err != nil {
			fatal(err)
		}
	}
	if *until != "" {
		if to, err = time.ParseInLocation(time.DateOnly, *until, period.CST); err != nil {
			fatal(err)
		}
	}
	// the replay on the export's clock, as zhiyi cluster's (cmd/zhiyi/cluster_context.go)
	var clockMS int64
	now := func() time.Time { return time.UnixMilli(clockMS) }
	store := session.NewMemory(session.MemoryConfig{Now: now, MaxConversations: 256})
	rp := reply.New(reply.Config{Sessions: store, Now: now})
	type item struct {
		m              train.ClusterMessage
		gold           string
		aloneOK, ctxOK bool
	}
	var items []item
	var buf []byte
	p := eng.Policy()
	placed := func(r intent.Result) bool {
		return r.Intent != intent.NoneIntent && r.Confidence >= p.AutoThreshold(r.Intent)
	}
	for i, c := range convs {
		chat := "replay-" + strconv.Itoa(i)
		active := ""
		for k, t := range c.Turns {
			if !t.Time.IsZero() {
				clockMS = t.Time.UnixMilli()
			}
			req := intent.Request{Text: t.Text, MsgID: t.MsgID + "#" + strconv.Itoa(k), ChatID: chat, Channel: c.Channel}
			if !t.Time.IsZero() {
				req.SentAt = t.Time.UnixMilli()
			}
			d := rp.Decide(ctx, eng, req)
			buf = d.Result.AppendJSON(buf[:0])
			rp.Commit(ctx, d, buf)
			in := (from.IsZero() || !t.Time.Before(from)) && (to.IsZero() || t.Time.Before(to))
			if c := d.Result.Context; c != nil && c.Turn == 1 {
				active = "" // the conversation (idle past the TTL) started again
			}
			if *post && d.Result.Context != nil {
				active = d.Result.Context.ActiveIntent
			}
			if in && t.MsgID != "" {
				alone := eng.Classify(ctx, intent.Request{Text: t.Text})
				items = append(items, item{m: train.ClusterMessage{ID: t.MsgID, Text: t.Text, Context: active}, gold: t.Intent,
					aloneOK: placed(alone), ctxOK: placed(d.Result)})
			}
			if d.Result.Context != nil {
				active = d.Result.Context.ActiveIntent
			}
		}
	}
	goldOf := map[string]string{}
	for _, it := range items {
		goldOf[it.m.ID] = it.gold
	}
	fmt.Printf("messages %d\n", len(items))
	for _, sel := range []string{"alone", "context"} {
		var msgs []train.ClusterMessage
		for _, it := range items {
			if sel == "alone" && !it.aloneOK || sel == "context" && !it.ctxOK {
				msgs = append(msgs, it.m)
			}
		}
		{ // partition: cluster within each context
			groups := map[string][]train.ClusterMessage{}
			for _, m := range msgs {
				groups[m.Context] = append(groups[m.Context], m)
			}
			var all []train.SheetLine
			for _, g := range groups {
				lines, err := train.Cluster(ctx, eng, g, train.ClusterConfig{ContextWeight: -1})
				if err != nil {
					fatal(err)
				}
				all = append(all, lines...)
			}
			slices.SortStableFunc(all, func(a, b train.SheetLine) int { return b.Size - a.Size })
			report(sel, 999, 0.35, len(msgs), all, goldOf)
		}
		for _, ws := range strings.Split(*weights, ",") {
			w, _ := strconv.ParseFloat(ws, 64)
			for _, ss := range strings.Split(*sims, ",") {
				sim, _ := strconv.ParseFloat(ss, 64)
				lines, err := train.Cluster(ctx, eng, msgs, train.ClusterConfig{ContextWeight: w, MinSimilarity: sim})
				if err != nil {
					fatal(err)
				}
				report(sel, w, sim, len(msgs), lines, goldOf)
			}
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "clusterbench:", err)
	os.Exit(1)
}

// report prints one sheet's measures (see the package comment).
func report(sel string, w, sim float64, n int, lines []train.SheetLine, gold map[string]string) {
	inThree, maj3 := 0, 0
	type res struct{ labelled, correct, sugOK int }
	byTop := map[int]*res{50: {}, 100: {}, 200: {}}
	for i, l := range lines {
		count := map[string]int{}
		for _, id := range l.Members {
			count[gold[id]]++
		}
		best := ""
		for it, c := range count {
			if c > count[best] || c == count[best] && it < best {
				best = it
			}
		}
		if l.Size >= 3 {
			inThree += l.Size
			maj3 += count[best]
		}
		for k, r := range byTop {
			if i < k {
				if best != "" && float64(count[best]) >= 0.6*float64(l.Size) {
					r.labelled += l.Size
					r.correct += count[best]
				}
				r.sugOK += count[l.Suggested]
			}
		}
	}
	keys := []int{50, 100, 200}
	fmt.Printf("%-7s w=%-4g sim=%-4g msgs %4d clusters %4d cov3 %.3f purity3 %.3f", sel, w, sim, n, len(lines), float64(inThree)/float64(max(n, 1)), float64(maj3)/float64(max(inThree, 1)))
	for _, k := range keys {
		r := byTop[k]
		fmt.Printf(" | top%d lab %d ok %d sug %d", k, r.labelled, r.correct, r.sugOK)
	}
	fmt.Println()
}
