package serve

import (
	"strings"
	"testing"
)

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":                             "<PHONE>",
		"id-13812345678-x":                        "id-<PHONE>-x",
		"123138123456789":                         "123138123456789", // part of a longer number: an id, kept
		"12345678901":                             "12345678901",     // not a mobile prefix
		"CAQQluDa4QUY0On2rYSA":                    "CAQQluDa4QUY0On2rYSA",
		"+8613812345678":                          "<PHONE>",
		"ID-138-1234-5678":                        "ID-<PHONE>",
		strings.Repeat("a", 200):                  strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 250) + "13812345678":  strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 120) + " 13812345678": strings.Repeat("a", 120) + " <PHONE>",
		strings.Repeat("a", 250) + " 一三八一二三四五六七八":       strings.Repeat("a", 128) + "…",
		strings.Repeat("a", 250) + " zhang@example.com": strings.Repeat("a", 128) + "…",
		"wm" + strings.Repeat("x", 100<<10):             "wm" + strings.Repeat("x", 126) + "…", // as a cluster sheet names it (nlp.MaskID)
	} {
		if got := maskID(in); got != want {
			t.Errorf("maskID(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"call 13812345678 now":       "call <PHONE> now",
		"card 6222021234567890128":   "card <BANKCARD>",
		"id 110101199003074514 x":    "id <IDCARD> x",
		"mail zhang.san@example.com": "mail <EMAIL>",
		"order 123456 ok":            "order 123456 ok",
		"a@b":                        "a@b",
		// the rest as written: a path, a rule id and a time zone keep their case
		`/tmp/RulesDir/Live.yaml:4: rule "Hotline": 13812345678 in Asia/Shanghai`: `/tmp/RulesDir/Live.yaml:4: rule "Hotline": <PHONE> in Asia/Shanghai`,
		// forms only the normalised text shows as personal data are still masked
		"Call １３８１２３４５６７８ Now":   "Call <PHONE> Now",
		"Mail ZHANG＠EXAMPLE．COM": "mail <EMAIL>", // normalised: only then is it an address
	} {
		if got := redact(in, 100); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
