package index

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
)

// GrayPeriod returns how long the answer runs as a suggestion only (its gray field), 0 when it
// has none.
func (a *Answer) GrayPeriod() time.Duration { return a.grayFor }

// GrayStart returns when the answer's gray period starts (its gray_since field), or the zero
// time when the file does not say: the caller then uses the bundle's creation time.
func (a *Answer) GrayStart() time.Time { return a.graySince }

// validateVariants checks the A/B fields of an intent's answers (weight, gray, gray_since): a
// weight is a finite number ≥ 0, given for every answer of the intent or for none, and not 0
// for all of them; gray is a positive Go duration; gray_since is a date or an RFC 3339 time
// and needs gray. It parses gray and gray_since into the answers. ansNodes are the answers'
// nodes (yamlnode.Items), ansNode their list's.
func validateVariants(in *Intent, ansNode *yaml.Node, ansNodes []*yaml.Node, intentNode *yaml.Node, fail func(line int, format string, args ...any)) {
	what := "intent " + fmt.Sprintf("%q", in.ID)
	weighted, served := 0, 0
	for j := range in.Answers {
		if w := in.Answers[j].Weight; w != nil {
			weighted++
			if *w > 0 && !math.IsInf(*w, 1) {
				served++
			}
		}
	}
	for j := range in.Answers {
		a := &in.Answers[j]
		an := ansNodes[j]
		at := yamlnode.Or(an, intentNode)
		if a.Weight != nil {
			if w := *a.Weight; math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
				fail(yamlnode.Line(yamlnode.Value(an, "weight"), at), "%s: answer %q: weight %v: want a number ≥ 0 (0: not served)", what, a.ID, w)
			}
		} else if weighted > 0 {
			fail(yamlnode.Line(yamlnode.Value(an, "id"), at), "%s: answer %q has no weight while %d other answers have one: give every answer a weight, or none for equal shares",
				what, a.ID, weighted)
		}
		if a.Gray != "" {
			d, err := time.ParseDuration(strings.TrimSpace(a.Gray))
			switch {
			case err != nil:
				fail(yamlnode.Line(yamlnode.Value(an, "gray"), at), "%s: answer %q: gray %q is not a Go duration (72h, 30m; days are 24h)", what, a.ID, a.Gray)
			case d <= 0:
				fail(yamlnode.Line(yamlnode.Value(an, "gray"), at), "%s: answer %q: gray %q: want a positive duration", what, a.ID, a.Gray)
			default:
				a.grayFor = d
			}
		}
		if a.GraySince != "" {
			line := yamlnode.Line(yamlnode.Value(an, "gray_since"), at)
			t, err := parseSince(strings.TrimSpace(a.GraySince))
			switch {
			case err != nil:
				fail(line, "%s: answer %q: gray_since %q: want a date (2026-12-01, China time) or an RFC 3339 time", what, a.ID, a.GraySince)
			case a.Gray == "":
				fail(line, "%s: answer %q: gray_since without gray (say how long the gray period lasts, e.g. gray: 72h)", what, a.ID)
			default:
				a.graySince = t
			}
		}
	}
	if weighted == len(in.Answers) && weighted > 0 && served == 0 {
		fail(yamlnode.Line(ansNode, intentNode), "%s: every answer has weight 0: at least one must be served", what)
	}
}

// parseSince reads a gray_since value: a date at midnight China time, or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, period.CST); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
