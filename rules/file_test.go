package rules

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validRules is a small valid file; the broken cases below change one line of it.
const validRules = `version: 1
tz: Asia/Shanghai
rules:
  - id: complaint
    priority: 10
    comment: 投诉转人工
    match:
      text:
        contains: [投诉, "12315"]
    scope:
      channels: [wecom, kf]
    action:
      handoff: urgent
      answer: 非常抱歉，马上为您转接人工客服
  - id: promo
    match:
      terms:
        contains: [双11]
    hours:
      dates: [2026-11-01..2026-11-11]
    action:
      intent: promotion_rules
`

func replaceRuleLine(n int, repl string) string {
	lines := strings.Split(validRules, "\n")
	return strings.Join(append(append(append([]string{}, lines[:n-1]...), repl), lines[n:]...), "\n")
}

func knownIntents(id string) bool { return id == "promotion_rules" || id == "human_agent" }

func TestParseValid(t *testing.T) {
	s, err := Parse([]byte(validRules), "rules.yaml", Options{Intents: knownIntents})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Rules != 2 || st.Enabled != 2 || st.Always != 0 {
		t.Errorf("Stats = %+v", st)
	}
	r, ok := s.Rule("complaint")
	if !ok || r.Priority != 10 || r.Comment != "投诉转人工" || r.Line != 4 || !r.Enabled ||
		r.Action.Kind != ActHandoff || r.Action.Handoff != HandoffUrgent || r.Action.Answer.String() != "非常抱歉，马上为您转接人工客服" {
		t.Errorf("complaint = %+v", r)
	}
	if r, _ := s.Rule("promo"); r.Action.Kind != ActIntent || r.Action.Intent != "promotion_rules" || r.Action.Answer != nil || r.Line != 15 {
		t.Errorf("promo = %+v", r)
	}
}

// A rule id holding personal data is refused, and the error does not repeat it: the error goes
// to the log and the console.
func TestParsePersonalIDNotRepeated(t *testing.T) {
	_, err := Parse([]byte(replaceRuleLine(4, "  - id: vip-13812345678")), "rules.yaml", Options{Intents: knownIntents})
	if err == nil || strings.Contains(err.Error(), "13812345678") {
		t.Errorf("error %v, want one that does not repeat the number", err)
	}
}

// The ids refused that are no customer's data — a shop's landline — are refused all the same
// (masking cannot tell whose number it is), and the error says what it read, that such numbers
// read the same, and what to do, without repeating the id.
func TestParseIDErrorSaysWhatItRead(t *testing.T) {
	f := func(id string, want ...string) {
		t.Helper()
		_, err := Parse([]byte(replaceRuleLine(4, "  - id: "+id)), "rules.yaml", Options{Intents: knownIntents})
		if err == nil {
			t.Fatalf("id %s: taken, want it refused", id)
		}
		for _, w := range append(want, "a shop's own or a product's number reads the same", "name the rule for what it does") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("id %s: error %q, want it to say %q", id, err, w)
			}
		}
		if strings.Contains(err.Error(), id) {
			t.Errorf("id %s: error %q repeats the id", id, err)
		}
	}
	f("store-0571-88888888", "a landline with its area code")
	f("vip-13812345678", "a mobile")
	f("x-110101199003077774", "an ID card number")
}

// Ids that a rules file of an earlier release could hold, named for a campaign's dates, a
// version or a product, identify no one: they load (refused, an upgrade would keep zhiyi from
// starting on a file that served). Those masking reads as an order number load with a warning
// that does not repeat the id; those whose digits are dates need none.
func TestParseKeepsDateVersionAndProductIDs(t *testing.T) {
	for _, tt := range []struct {
		id   string
		warn bool
	}{
		{"promo_2026_11", false}, {"v1.2.3", false}, {"sla-48h", false}, {"tk-12345678", false}, {"order-2026", false},
		{"promo-2026-11-11", false}, {"double11-20261111", false}, {"promo-20261101-20261111", false},
		{"cny_20270206-20270212", false}, {"618-20260618", false}, {"s11.20261111", false},
		{"618-0601-0618", true}, {"promo-202611-202612", true}, {"sku12345678901", true}, {"hotline-4008008888", true},
		{"order_2026111112345", true},
	} {
		s, err := Parse([]byte(replaceRuleLine(4, "  - id: "+tt.id)), "rules.yaml", Options{Intents: knownIntents})
		if err != nil {
			t.Errorf("id %s: %v", tt.id, err)
			continue
		}
		var got []string
		for _, w := range s.Warnings() {
			if strings.Contains(w, "order or tracking number") {
				got = append(got, w)
			}
		}
		if tt.warn != (len(got) == 1) {
			t.Errorf("id %s: warnings %q, want one about an order number: %v", tt.id, s.Warnings(), tt.warn)
		}
		for _, w := range got {
			if strings.Contains(w, tt.id) || !strings.HasPrefix(w, "rules.yaml:4: rule #1: ") {
				t.Errorf("id %s: warning %q, want it at rules.yaml:4 without the id", tt.id, w)
			}
		}
	}
	// A date excuses an order number's reading, not a phone's: 138-20261111 is a mobile number
	// whose last eight digits happen to read as a date.
	for _, id := range []string{"vip-13812345678", "vip-138-1234-5678", "d-20261111-13812345678", "x-110101199003077774",
		"vip-138-20261111", "vip_139_20260618"} {
		if _, err := Parse([]byte(replaceRuleLine(4, "  - id: "+id)), "rules.yaml", Options{Intents: knownIntents}); err == nil || !strings.Contains(err.Error(), "personal data") {
			t.Errorf("id %s: error %v, want the id refused for holding personal data", id, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, yaml, line, want string
	}{
		{"syntax", replaceRuleLine(6, "    comment: 投诉: 转人工"), "rules.yaml:6:", "mapping values are not allowed"},
		{"a GBK line", replaceRuleLine(6, "    comment: \xcd\xb6\xcb\xdf"), "rules.yaml:6:", "look like GBK"},
		{"unknown rule field", replaceRuleLine(6, "    note: 投诉转人工"), "rules.yaml:6:", "field note unknown in a rule"},
		{"unknown match field", replaceRuleLine(9, "        includes: [投诉]"), "rules.yaml:9:", "field includes unknown in match.text or match.terms"},
		{"unknown top-level field", replaceRuleLine(2, "timezone: Asia/Shanghai"), "rules.yaml:2:", "field timezone unknown at the top level"},
		{"wrong type", replaceRuleLine(5, "    priority: high"), "rules.yaml:5:", "`high` is not a whole number"},
		// yaml.v3 truncates a fraction into an int: 2.5 would rank as 2, tied with the rules at 2
		{"fractional priority", replaceRuleLine(5, "    priority: 2.5"), "rules.yaml:5:", "`2.5` is not a whole number"},
		{"quoted priority", replaceRuleLine(5, `    priority: "10"`), "rules.yaml:5:", "`10` is in quotes, so it is text, not a whole number"},
		{"quoted enabled", replaceRuleLine(5, `    enabled: "false"`), "rules.yaml:5:", "`false` is in quotes, so it is text, not true or false"},
		{"version", replaceRuleLine(1, "version: 2"), "rules.yaml:1:", "want version: 1"},
		{"missing id", replaceRuleLine(4, "  - enabled: true"), "rules.yaml:4:", "rule #1: missing id"},
		{"bad id", replaceRuleLine(4, "  - id: 投诉"), "rules.yaml:4:", "id must match"},
		{"Chinese id", replaceRuleLine(4, "  - id: 退货地址"), "rules.yaml:4:", "ids are ASCII (return_address); write the Chinese name under comment:"},
		{"duplicate id", replaceRuleLine(15, "  - id: complaint"), "rules.yaml:15:", "duplicate rule id (first at line 4)"},
		// an id is shown unmasked in responses, logs and /metrics; the error does not repeat it
		{"phone in id", replaceRuleLine(4, "  - id: vip-13812345678"), "rules.yaml:4:", "rule #1: the id holds a phone number (a mobile, or a landline with its area code), which masking takes for personal data"},
		{"bad regex", replaceRuleLine(9, "        regex: ['投诉(']"), "rules.yaml:9:", "bad regex"},
		{"regex with upper case", replaceRuleLine(9, "        regex: ['iPhone']"), "rules.yaml:9:", `'P' never occurs in normalised text`},
		{"regex with full-width", replaceRuleLine(9, "        regex: ['投诉！']"), "rules.yaml:9:", "never occurs in normalised text"},
		{"empty keyword", replaceRuleLine(9, `        contains: ["", 投诉]`), "rules.yaml:9:", `keyword "" is empty once normalised`},
		{"exact keyword of punctuation", replaceRuleLine(9, "        exact: ['？！']"), "rules.yaml:9:", "only spaces, punctuation"},
		{"a phone number keyword", replaceRuleLine(9, "        contains: [投诉, '4008208820']"), "rules.yaml:9:", `keyword "<ORDER>" never matches: messages are matched masked, where it reads "<ORDER>"`},
		{"an exact mobile number", replaceRuleLine(9, "        exact: ['13800138000']"), "rules.yaml:9:", `keyword "<PHONE>" never matches`},
		// keyword bots export a row's keywords as 发票|开票: one keyword that never matched
		{"keywords joined by a bar", replaceRuleLine(9, "        contains: [发票|开票]"), "rules.yaml:9:", "keyword holds |, which keywords do not split at: write each as its own item, [发票, 开票]"},
		{"exact keywords joined by a full-width bar", replaceRuleLine(9, "        exact: [在吗｜有人吗]"), "rules.yaml:9:", "[在吗, 有人吗]"},
		{"terms keywords joined by a bar", replaceRuleLine(18, "        contains: [双11|双十一]"), "rules.yaml:18:", "match.terms.contains: keyword holds |"},
		{"a bar beside a phone number", replaceRuleLine(9, "        contains: ['13800138000|投诉']"), "rules.yaml:9:", "[<PHONE>, 投诉]"},
		{"empty match", replaceRuleLine(9, "        contains: []"), "rules.yaml:8:", "match: no keywords"},
		{"any with keywords", replaceRuleLine(7, "    match:\n      any: true"), "rules.yaml:8:", "any: true matches every message"},
		{"unknown channel", replaceRuleLine(11, "      channels: [wechat]"), "rules.yaml:11:", `unknown channel "wechat"`},
		{"bad open_kfid", replaceRuleLine(11, "      open_kfids: [AbC123]"), "rules.yaml:11:", "not a 微信客服 account id"},
		// a keyword bot's 适用账号 column names the account; rules need its id
		{"an account's name for its open_kfid", replaceRuleLine(11, "      open_kfids: [企业采购专线]"), "rules.yaml:11:", "not the account's name but its open_kfid"},
		{"empty scope entry", replaceRuleLine(11, `      tags: [VIP, ""]`), "rules.yaml:11:", "scope.tags: empty entry"},
		// every sender excluded too: the rule loaded and could never apply
		{"senders all excluded", replaceRuleLine(11, "      senders: [wmA, wmB]\n      exclude_senders: [wmB, wmA, wmC]"), "rules.yaml:11:", "every one of senders is also in exclude_senders"},
		{"bad date", replaceRuleLine(20, "      dates: [2026-11-01..2026-11-31]"), "rules.yaml:20:", `no such date "2026-11-31": 2026-11 has 30 days, not 31`},
		{"no action", strings.Replace(validRules, "    action:\n      intent: promotion_rules", "    action: {}", 1), "rules.yaml:21:", "action: none given"},
		{"mixed action", replaceRuleLine(22, "      intent: promotion_rules\n      silent: true"), "rules.yaml:22:", "silent sends nothing"},
		{"intent with answer", replaceRuleLine(22, "      intent: promotion_rules\n      answer: 好的"), "rules.yaml:22:", "takes no answer or handoff"},
		{"unknown intent", replaceRuleLine(22, "      intent: promo_rules"), "rules.yaml:22:", `unknown intent "promo_rules"`},
		{"unknown handoff level", replaceRuleLine(13, "      handoff: asap"), "rules.yaml:13:", `unknown priority "asap"`},
		{"handoff never without an answer", strings.Replace(validRules, "      handoff: urgent\n      answer: 非常抱歉，马上为您转接人工客服", "      handoff: never", 1), "rules.yaml:13:", "handoff: never answers and hands nothing off, so it needs an answer"},
		{"handoff never with an intent", replaceRuleLine(22, "      intent: promotion_rules\n      handoff: never"), "rules.yaml:22:", "takes no answer or handoff"},
		{"handoff never and silent", replaceRuleLine(13, "      handoff: never\n      silent: true"), "rules.yaml:13:", "silent sends nothing"},
		{"bad placeholder", replaceRuleLine(14, "      answer: 亲{{nickname 您好"), "rules.yaml:14:", `placeholder: byte 3: "{{" without "}}"`},
		{"empty answer", replaceRuleLine(14, `      answer: " "`), "rules.yaml:14:", "action.answer: empty text"},
		{"waiver without reason", replaceRuleLine(6, "    waive: [{term: 最}]"), "rules.yaml:6:", `waiver for "最" has no reason`},
		{"no rules", "version: 1\nrules: []\n", "rules.yaml:2:", "no rules"},
		{"duplicate key", "version: 1\nrules:\n  - id: a\n    match: {any: true}\n    action: {silent: true}\n    action: {silent: true}\n", "rules.yaml:6:", `mapping key "action" already defined at line 5`},
		{"empty file", "", "rules.yaml", "empty rules file"},
		{"two documents", validRules + "---\nversion: 1\n", "rules.yaml:23:", "second YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "rules.yaml", Options{Intents: knownIntents})
			if err == nil {
				t.Fatalf("no error for\n%s", tt.yaml)
			}
			if !strings.Contains(err.Error(), tt.line) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q and %q", err, tt.line, tt.want)
			}
			// the error reaches serve's log and the console: a number written as a keyword is
			// not repeated
			if strings.Contains(err.Error(), "13800138000") || strings.Contains(err.Error(), "4008208820") {
				t.Errorf("error %q repeats a phone number", err)
			}
		})
	}
}

// A rule the decoder refused (a duplicate key) is reported once, not also as "no rules".
func TestParseDuplicateKeyIsNotNoRules(t *testing.T) {
	y := "version: 1\nrules:\n  - id: a\n    match: {any: true}\n    action: {silent: true}\n    action: {silent: true}\n"
	_, err := Parse([]byte(y), "rules.yaml", Options{Intents: knownIntents})
	if err == nil || strings.Contains(err.Error(), "no rules") {
		t.Errorf("error %v, want the duplicate key alone", err)
	}
}

// TestParseReportsEveryProblem: independent problems in different rules, and an unknown field
// beside them, all come out, in line order.
func TestParseReportsEveryProblem(t *testing.T) {
	y := strings.Replace(validRules, "channels: [wecom, kf]", "channels: [wecom, qq]", 1)
	y = strings.Replace(y, "intent: promotion_rules", "intent: nosuch", 1)
	y = strings.Replace(y, "    comment: 投诉转人工", "    comment: 投诉转人工\n    colour: red", 1)
	_, err := Parse([]byte(y), "rules.yaml", Options{Intents: knownIntents})
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"rules.yaml:7: field colour", "rules.yaml:12: rule \"complaint\": scope.channels", "rules.yaml:23: rule \"promo\": action.intent"}
	if len(lines) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i+1, lines[i], w)
		}
	}
}

func TestParseUncheckedIntents(t *testing.T) {
	y := strings.Replace(validRules, "intent: promotion_rules", "intent: anything", 1)
	if _, err := Parse([]byte(y), "rules.yaml", Options{}); err != nil {
		t.Errorf("without Options.Intents: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(validRules, "handoff: urgent", "handoff: soon", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, Options{}); err == nil || !strings.Contains(err.Error(), path+":13: ") {
		t.Errorf("Load = %v, want %s:13", err, path)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
}

func TestRequiredLiterals(t *testing.T) {
	f := func(re string, want ...string) {
		t.Helper()
		if got := requiredLiterals(re); !slices.Equal(got, want) {
			t.Errorf("requiredLiterals(%q) = %q, want %q", re, got, want)
		}
	}
	f(`退.{0,4}运费`, "运费")
	f(`^催(一下)?发货$`, "发货")
	f(`(快递|物流)到哪了`, "到哪了")
	f(`(快递|物流)到哪`, "快递", "物流")
	f(`(退款)+`, "退款")
	f(`快递|物流单号`, "快递", "物流单号")
	f(`(退|换)货`, "货")
	f(`[0-9]{11}`)
	f(`(?i)abc`)
	f(`快递|\d+`)
	f(`订单号?\d+`, "订单")
}

// TestParseEmptyRuleItem: a stray "-" in the rules list (a rule begun and never written) is
// refused with its line. yaml.v3 drops a null item from the decoded list, so before, the file
// loaded without it, and the rules after it were checked against the wrong items: their problems
// named the stray item's line.
func TestParseEmptyRuleItem(t *testing.T) {
	y := strings.Replace(validRules, "rules:\n", "rules:\n  -\n", 1)
	_, err := Parse([]byte(y), "rules.yaml", Options{Intents: knownIntents})
	if err == nil || !strings.Contains(err.Error(), "rules.yaml:4: rule #1: empty") {
		t.Errorf("a stray '-': error %v, want rules.yaml:4: rule #1: empty", err)
	}
	y = strings.Replace(y, "intent: promotion_rules", "intent: nosuch", 1)
	_, err = Parse([]byte(y), "rules.yaml", Options{Intents: knownIntents})
	if err == nil || !strings.Contains(err.Error(), `rules.yaml:23: rule "promo": action.intent`) {
		t.Errorf("a problem after a stray '-': error %v, want it at line 23", err)
	}
	for _, y := range []string{"version: 1\nrules: [~]\n", "version: 1\nrules:\n  - ~\n"} {
		if _, err := Parse([]byte(y), "rules.yaml", Options{}); err == nil {
			t.Errorf("%q loads", y)
		}
	}
}

// TestParseNullListEntry: an empty entry in a list (a stray "-", or "~") is refused at its line
// as "" is. yaml.v3 leaves a null item out of a decoded list, so before, a scope of senders whose
// only entry was a stray "-" loaded as no list at all, and the rule (say, silence for the test
// account) applied to every customer; later entries' problems named the wrong lines.
func TestParseNullListEntry(t *testing.T) {
	rule := func(body string) string {
		return "version: 1\nrules:\n  - id: r\n" + body + "    action: {silent: true}\n"
	}
	tests := []struct{ name, yaml, want string }{
		{"senders", rule("    match: {any: true}\n    scope:\n      senders:\n        -\n"), `rules.yaml:7: rule "r": scope.senders: empty entry`},
		{"senders in flow style", rule("    match: {any: true}\n    scope: {senders: [~]}\n"), `rules.yaml:5: rule "r": scope.senders: empty entry`},
		{"channels", rule("    match: {any: true}\n    scope:\n      channels:\n        - ~\n        - qq\n"),
			`rules.yaml:7: rule "r": scope.channels: empty entry` + "\n" + `rules.yaml:8: rule "r": scope.channels: unknown channel "qq"`},
		{"keywords", rule("    match:\n      text:\n        contains:\n          -\n          - \"13812345678\"\n"),
			`rules.yaml:7: rule "r": match.text.contains: keyword "" is empty` + "\n" + `rules.yaml:8: rule "r": match.text.contains: keyword "<PHONE>" never matches`},
		{"weekdays", rule("    match: {any: true}\n    hours:\n      weekdays:\n        -\n      times: [\"09:00-18:00\"]\n"), `rules.yaml:7: rule "r": hours.weekdays: unknown weekday ""`},
		{"times", rule("    match: {any: true}\n    hours:\n      weekdays: [sat]\n      times: [~]\n"), `rules.yaml:7: rule "r": hours.times: time range ""`},
		{"dates", rule("    match: {any: true}\n    hours:\n      dates: [~]\n"), `rules.yaml:6: rule "r": hours.dates: bad date ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "rules.yaml", Options{})
			for _, want := range strings.Split(tt.want, "\n") {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v\nwant %q", err, want)
				}
			}
		})
	}
	// Wrong types are still refused as before.
	_, err := Parse([]byte(rule("    match: {any: true}\n    scope: {senders: wmBoss, tags: [{a: b}]}\n")), "rules.yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "rules.yaml:5: `wmBoss` is not a list") || !strings.Contains(err.Error(), "rules.yaml:5: want text here, not a mapping") {
		t.Errorf("wrong types: %v", err)
	}
}

// TestParseEmptyHolidayAndWaiverItems: a stray "-" among holidays or waivers is refused at its
// line, and the entries after it are reported at theirs (yaml.v3 left the null item out of the
// decoded list, which paired every later entry with the line before it).
func TestParseEmptyHolidayAndWaiverItems(t *testing.T) {
	y := `version: 1
holidays:
  - {date: 2027-02-06..2027-02-12, name: 春节}
  -
  - {date: 2027-02-30, name: 笔误}
rules:
  - id: r
    match: {any: true}
    hours: {times: ["09:00-18:00"]}
    action: {answer: 您好}
    waive:
      -
      - {term: 第一}
`
	_, err := Parse([]byte(y), "rules.yaml", Options{})
	for _, want := range []string{
		"rules.yaml:4: holiday #2: empty",
		`rules.yaml:5: holidays: no such date "2027-02-30": 2027-02 has 28 days, not 30`,
		`rules.yaml:12: rule "r": waiver #1: empty`,
		`rules.yaml:13: rule "r": waiver for "第一" has no reason`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v\nwant %q", err, want)
		}
	}
}

// TestParseWholeFloatPriority: a priority written as a whole float (2.0, 1e1) is the number it
// says and loads, as it did before fractions were refused; only a fraction (2.5) would be
// truncated and is refused.
func TestParseWholeFloatPriority(t *testing.T) {
	for _, p := range []string{"2.0", "1e1"} {
		s, err := Parse([]byte(replaceRuleLine(5, "    priority: "+p)), "rules.yaml", Options{Intents: knownIntents})
		if err != nil {
			t.Errorf("priority: %s: %v", p, err)
			continue
		}
		if r, _ := s.Rule("complaint"); r.Priority != map[string]int{"2.0": 2, "1e1": 10}[p] {
			t.Errorf("priority: %s loaded as %d", p, r.Priority)
		}
	}
}

// TestParseTrailingDocumentMarker: a file that ends with "---" (or holds a second document with
// nothing in it but comments) ignores nothing and loads; a second document with content is
// refused at its line.
func TestParseTrailingDocumentMarker(t *testing.T) {
	for _, tail := range []string{"---\n", "---\n# end\n", "...\n---\n"} {
		if _, err := Parse([]byte(validRules+tail), "rules.yaml", Options{Intents: knownIntents}); err != nil {
			t.Errorf("rules file ending %q: %v", tail, err)
		}
	}
	_, err := Parse([]byte(validRules+"---\n---\nversion: 1\n"), "rules.yaml", Options{Intents: knownIntents})
	if err == nil || !strings.Contains(err.Error(), "rules.yaml:24: a second YAML document") {
		t.Errorf("second document: %v, want it refused at line 24", err)
	}
}

// TestParseSendersPartlyExcluded: a scope whose senders are only partly excluded still applies
// to the others, and loads.
func TestParseSendersPartlyExcluded(t *testing.T) {
	src := replaceRuleLine(11, "      senders: [wmA, wmB]\n      exclude_senders: [wmB]")
	s, err := Parse([]byte(src), "rules.yaml", Options{Intents: knownIntents})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Match(&Input{Text: "我要投诉", SenderID: "wmA"}); r == nil || r.ID != "complaint" {
		t.Errorf("wmA: rule %v, want complaint", r)
	}
}

// A rule's intent: none (out of scope, to a person) loads with an Intents that knows the
// knowledge base's intents alone, as docs/library.md and this package's doc build it: no
// knowledge base lists none, and zhiyi serve, the console and zhiyi lint all take it.
func TestParseIntentNoneWithKBIntents(t *testing.T) {
	y := "version: 1\nrules:\n  - id: spam\n    match: {text: {contains: [加微信]}}\n    action: {intent: none}\n"
	s, err := Parse([]byte(y), "rules.yaml", Options{Intents: knownIntents})
	if err != nil {
		t.Fatalf("intent: none refused: %v", err)
	}
	if r, _ := s.Rule("spam"); r.Action.Kind != ActIntent || r.Action.Intent != "none" {
		t.Errorf("action %+v, want intent none", r.Action)
	}
	if _, err := Parse([]byte(strings.Replace(y, "none", "nonesuch", 1)), "rules.yaml", Options{Intents: knownIntents}); err == nil {
		t.Error("an unknown intent loaded")
	}
}
