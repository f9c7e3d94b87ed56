package index

import (
	"strings"
	"testing"
	"time"
)

// variantKB is validKB's first intent with two answers; the cases below change its answers.
func variantKB(answers string) string {
	return replaceLines(13, 14, answers)
}

const twoAnswers = `      - id: return_goods.a
        text: 亲，签收 7 天内支持无理由退货。
      - id: return_goods.b
        text: 亲，七天无理由退货，订单详情里申请就行。`

func TestParseKBVariants(t *testing.T) {
	y := variantKB(`      - id: return_goods.a
        text: 亲，签收 7 天内支持无理由退货。
        weight: 80
      - id: return_goods.b
        text: 亲，七天无理由退货，订单详情里申请就行。
        weight: 20
        gray: 72h
        gray_since: 2026-12-01
      - id: return_goods.c
        text: 亲，可以退的。
        weight: 0
        gray: 90m
        gray_since: "2026-12-02T10:00:00+08:00"`)
	kb, err := ParseKB([]byte(y), "kb.yaml")
	if err != nil {
		t.Fatalf("ParseKB: %v", err)
	}
	as := kb.Intents[0].Answers
	if len(as) != 3 || as[0].Weight == nil || *as[0].Weight != 80 || *as[1].Weight != 20 || *as[2].Weight != 0 {
		t.Fatalf("answers %+v", as)
	}
	if as[0].GrayPeriod() != 0 || !as[0].GrayStart().IsZero() {
		t.Errorf("control: gray %v since %v, want none", as[0].GrayPeriod(), as[0].GrayStart())
	}
	if got := as[1].GrayPeriod(); got != 72*time.Hour {
		t.Errorf("b: gray %v, want 72h", got)
	}
	if got, want := as[1].GrayStart(), time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("b: gray_since %v, want %v (midnight in China)", got, want)
	}
	if got, want := as[2].GrayStart(), time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC); as[2].GrayPeriod() != 90*time.Minute || !got.Equal(want) {
		t.Errorf("c: gray %v since %v", as[2].GrayPeriod(), got)
	}

	// Without the new fields a knowledge base loads as before: equal shares, no gray.
	kb, err = ParseKB([]byte(variantKB(twoAnswers)), "kb.yaml")
	if err != nil {
		t.Fatalf("ParseKB: %v", err)
	}
	for _, a := range kb.Intents[0].Answers {
		if a.Weight != nil || a.GrayPeriod() != 0 || !a.GrayStart().IsZero() {
			t.Errorf("answer %s: weight %v gray %v", a.ID, a.Weight, a.GrayPeriod())
		}
	}
}

func TestParseKBVariantErrors(t *testing.T) {
	tests := []struct {
		name, answers, line, want string
	}{
		{"negative weight", `      - id: return_goods.a
        text: 亲。
        weight: -1
      - id: return_goods.b
        text: 亲亲。
        weight: 1`, "kb.yaml:15:", `answer "return_goods.a": weight -1: want a number ≥ 0`},
		{"NaN weight", `      - id: return_goods.a
        text: 亲。
        weight: .nan
      - id: return_goods.b
        text: 亲亲。
        weight: 1`, "kb.yaml:15:", "weight NaN"},
		{"text weight", `      - id: return_goods.a
        text: 亲。
        weight: half`, "kb.yaml:15:", "`half` is not a number"},
		{"weight on some answers", `      - id: return_goods.a
        text: 亲。
        weight: 3
      - id: return_goods.b
        text: 亲亲。`, "kb.yaml:16:", `answer "return_goods.b" has no weight while 1 other answers have one`},
		{"all weights zero", `      - id: return_goods.a
        text: 亲。
        weight: 0
      - id: return_goods.b
        text: 亲亲。
        weight: 0`, "kb.yaml:13:", "every answer has weight 0"},
		{"gray in days", `      - id: return_goods.a
        text: 亲。
      - id: return_goods.b
        text: 亲亲。
        gray: 3d`, "kb.yaml:17:", `gray "3d" is not a Go duration`},
		{"gray negative", `      - id: return_goods.a
        text: 亲。
        gray: -1h`, "kb.yaml:15:", "want a positive duration"},
		{"gray_since bad", `      - id: return_goods.a
        text: 亲。
      - id: return_goods.b
        text: 亲亲。
        gray: 72h
        gray_since: 2026-13-01`, "kb.yaml:18:", `gray_since "2026-13-01": want a date`},
		{"gray_since without gray", `      - id: return_goods.a
        text: 亲。
      - id: return_goods.b
        text: 亲亲。
        gray_since: 2026-12-01`, "kb.yaml:17:", "gray_since without gray"},
		{"unknown field", `      - id: return_goods.a
        text: 亲。
        wieght: 1`, "kb.yaml:15:", "unknown field wieght"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := variantKB(tt.answers)
			_, err := ParseKB([]byte(y), "kb.yaml")
			if err == nil {
				t.Fatalf("no error for\n%s", y)
			}
			if !strings.Contains(err.Error(), tt.line) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q and %q", err, tt.line, tt.want)
			}
		})
	}
}
