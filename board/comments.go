package board

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// CommentCount is a comment customers left on badly rated messages and how many carry it.
type CommentCount struct {
	Comment  string `json:"comment"`
	Messages int64  `json:"messages"`
}

// MaxBadComments bounds Board.BadComments.
const MaxBadComments = 10

// BadComments reads what customers wrote on the period's badly rated messages — those whose
// latest rating is ≤ 2, as Stats.BadRatings counts them — and sets on b the most frequent
// comments (each message's latest comment of its customer, masked; an agent's note, feedback
// with an agent_id, is not the customer's words), and how many of the bad ratings had one. The
// report had the share of bad ratings and not a word of why.
func BadComments(ctx context.Context, db RowSource, b *Board) error {
	latest, err := latestFeedback(ctx, db, b.Since, b.Until)
	if err != nil {
		return err
	}
	counts := map[string]int64{}
	b.BadCommented = 0
	for _, r := range latest {
		c := strings.TrimSpace(r.Comment) // the customer's: an agent's note is AgentComment
		if c == "" || r.Rating == 0 || r.Rating > 2 {
			continue
		}
		counts[c]++
		b.BadCommented++
	}
	out := make([]CommentCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, CommentCount{Comment: c, Messages: n})
	}
	slices.SortFunc(out, func(x, y CommentCount) int {
		return cmp.Or(cmp.Compare(y.Messages, x.Messages), cmp.Compare(x.Comment, y.Comment))
	})
	b.BadComments = out[:min(len(out), MaxBadComments)]
	return nil
}

// writeBadComments writes the bad ratings' comments, most frequent first.
func (b *Board) writeBadComments(bw *bufio.Writer) {
	fmt.Fprintf(bw, "\n差评的话 bad ratings' words (%d of %d bad ratings had a comment):\n", b.BadCommented, b.BadRatings)
	rows := make([][]string, 0, len(b.BadComments))
	for _, c := range b.BadComments {
		rows = append(rows, []string{fmt.Sprint(c.Messages), strings.Join(strings.Fields(c.Comment), " ")}) // a comment's line breaks would break the table
	}
	writeTable(bw, "rl", rows)
}
