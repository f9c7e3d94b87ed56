package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const shopDir = "../../corpora/shop"

func TestLintSampleShopIsClean(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "lint", filepath.Join(shopDir, "kb.yaml"), filepath.Join(shopDir, "rules.yaml"))
	if code != 0 || stdout != "" || !strings.Contains(stderr, "2 file(s), no findings") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestLintFindings(t *testing.T) {
	dir := t.TempDir()
	kb, err := os.ReadFile(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The shop's answer as it was before it was reworded, and without its waiver.
	bad := strings.Replace(string(kb), "鞋子按脚长选码会更准", "鞋子按脚长选码最准", 1)
	i := strings.Index(bad, "        waive:\n          - term: 最大\n")
	j := strings.Index(bad[i:], "\n\n")
	bad = bad[:i] + bad[i+j+1:]
	kbPath := filepath.Join(dir, "kb.yaml")
	if err := os.WriteFile(kbPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "my-rules.yaml")
	rules := "version: 1\nrules:\n  - id: vip\n    match: {text: {contains: [会员]}}\n    action: {answer: 尊贵的会员，您享受顶级服务}\n"
	if err := os.WriteFile(rulesPath, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "lint", "--rules", rulesPath, kbPath)
	want := []string{
		kbPath + ":51:141: intent product_info answer product_info.a: 最大: absolute term",
		kbPath + ":77:20: intent size_advice answer size_advice.b: 最准: absolute term",
		rulesPath + ":5:31: rule vip: 顶级: absolute term",
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 1 || len(lines) != len(want) || !strings.Contains(stderr, "3 finding(s) in 2 file(s)") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr %q", code, stdout, stderr)
	}
	for k, w := range want {
		if !strings.HasPrefix(lines[k], w) {
			t.Errorf("finding %d = %q, want prefix %q", k+1, lines[k], w)
		}
	}
}

// A rule that forces an intent, linted without a knowledge base: the intent cannot be checked,
// and lint says so (as for an experiments file) rather than passing a typo serve refuses.
func TestLintRulesWithoutKBNotesUncheckedIntents(t *testing.T) {
	write := fileWriter(t)
	forced := write("forced.yaml", "version: 1\nrules:\n  - id: r\n    match: {text: {contains: [人工]}}\n    action: {intent: human_agnet}\n")
	answers := write("answers.yaml", "version: 1\nrules:\n  - id: r\n    match: {text: {contains: [人工]}}\n    action: {answer: 请稍等}\n")
	note := forced + ": read without a knowledge base, so the intents its rules force are not checked; give --kb kb.yaml"
	if code, _, stderr := runCLI(t, "", "lint", forced); code != 0 || !strings.Contains(stderr, note) {
		t.Errorf("lint %s: exit %d, stderr %q; want exit 0 and %q", forced, code, stderr, note)
	}
	if code, _, stderr := runCLI(t, "", "lint", answers); code != 0 || strings.Contains(stderr, "note:") {
		t.Errorf("lint %s: exit %d, stderr %q; want exit 0 and no note (no intent to check)", answers, code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "lint", "--kb", filepath.Join(shopDir, "kb.yaml"), forced); code != 1 || !strings.Contains(stderr, `unknown intent "human_agnet"`) {
		t.Errorf("lint --kb … %s: exit %d, stderr %q; want the unknown intent", forced, code, stderr)
	}
}

// A rule that never applies is printed as a warning; with no findings, lint still passes (a
// rule on top that pauses the bot is not wrong).
func TestLintWarnsOfDeadRules(t *testing.T) {
	path := fileWriter(t)("rules.yaml", "version: 1\nrules:\n  - id: paused\n    priority: 5\n    match: {any: true}\n    action: {handoff: normal}\n"+
		"  - id: vip\n    match: {text: {contains: [会员]}}\n    action: {answer: 会员权益见「我的-会员」}\n")
	code, stdout, stderr := runCLI(t, "", "lint", "--rules", path)
	want := "warning: " + path + `:7: rule "vip": never applies: rule "paused" (line 3, priority 5)`
	if code != 0 || stdout != "" || !strings.Contains(stderr, want) || !strings.Contains(stderr, "1 file(s), no findings") {
		t.Errorf("exit %d, stdout %q, stderr %q; want a warning starting %q", code, stdout, stderr, want)
	}
}

// An operator's holiday file: a promotion whose dates have passed (a date long past, so the
// wall clock cannot change the answer) and reduced hours written with outside are warnings at
// their lines; full-width hours load; lint still passes.
func TestLintWarnsOfHolidayHours(t *testing.T) {
	path := fileWriter(t)("rules.yaml", "version: 1\nrules:\n"+
		"  - id: double11\n    match: {text: {contains: [双11]}}\n    hours: {dates: [2025-11-11]}\n    action: {answer: 双11 每满 300 减 50}\n"+
		"  - id: spring_reduced\n    match: {text: {contains: [人工]}}\n    hours: {dates: [2027-02-09..2027-02-11], times: [\"10:00-18:00\"], outside: true}\n    action: {answer: 春节期间 10:00–18:00 在线}\n"+
		"  - id: open_hours\n    match: {text: {contains: [在吗]}}\n    hours: {times: [\"９：００－２３：００\"]}\n    action: {answer: 在的}\n")
	code, stdout, stderr := runCLI(t, "", "lint", "--rules", path)
	for _, want := range []string{
		"warning: " + path + `:5: rule "double11": hours: every one of its dates has passed (the last was 2025-11-11)`,
		"warning: " + path + `:9: rule "spring_reduced": hours: outside: true applies while the window is closed`,
		`write times: ["00:00-10:00", "18:00-24:00"] and leave out outside`,
		"1 file(s), no findings",
	} {
		if code != 0 || stdout != "" || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
		}
	}
}

func TestLintErrors(t *testing.T) {
	write := fileWriter(t)
	kb := filepath.Join(shopDir, "kb.yaml")
	badIntent := write("rules.yaml", "version: 1\nrules:\n  - id: r\n    match: {any: true}\n    action: {intent: no_such_intent}\n")
	// intent: none (out of scope, to a person) is what serve and the console load: not unknown.
	none := write("none.yaml", "version: 1\nrules:\n  - id: r\n    match: {text: {contains: [天气]}}\n    action: {intent: none}\n")
	other := write("other.yaml", "shop: x\n")
	// What train refuses besides the findings, lint refuses too: an answer still the stub's, an
	// example under two intents.
	shopKB, err := os.ReadFile(kb)
	if err != nil {
		t.Fatal(err)
	}
	stub := write("stub.yaml", strings.Replace(string(shopKB), "亲，在的～欢迎光临衣橱小铺，请问有什么可以帮您？", "（请填写答案）", 1))
	shared := write("shared.yaml", strings.Replace(string(shopKB), "      - 有没有实物图\n", "      - 有没有实物图\n      - 你好\n", 1))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lint"}, 2, "no files"},
		{[]string{"lint", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"lint", other}, 1, "neither a knowledge base (intents:) nor a rules file (rules:)"},
		{[]string{"lint", filepath.Join(filepath.Dir(other), "missing.yaml")}, 1, "cannot read"},
		// With the knowledge base, a rule's intent is checked against it (file:line).
		{[]string{"lint", kb, badIntent}, 1, badIntent + `:5: rule "r": action.intent: unknown intent "no_such_intent"`},
		{[]string{"lint", badIntent}, 0, "1 file(s), no findings"},
		{[]string{"lint", kb, none}, 0, "2 file(s), no findings"},
		{[]string{"lint", stub}, 1, "the answer is still the stub's"},
		{[]string{"lint", shared}, 1, "is also under intent"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("zhiyi %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// An experiments file is checked as zhiyi serve reads it at start, so that one an older zhiyi
// served and this one refuses (gray_margin 4 or more, say) is found before the switch, not by
// a serve that does not start.
func TestLintExperiments(t *testing.T) {
	write := fileWriter(t)
	kb := filepath.Join(shopDir, "kb.yaml")
	good := write("good.yaml", "version: 1\nweights:\n  size_advice: {size_advice.a: 80, size_advice.b: 20}\n")
	margin := write("margin.yaml", "version: 1\ngray_margin: 5\n")
	unknown := write("unknown.yaml", "version: 1\nstop: [no_such_answer.b]\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lint", "--experiments", good, kb}, 0, "2 file(s), no findings"},
		{[]string{"lint", "--experiments", good}, 0, "1 file(s), no findings"},
		{[]string{"lint", "--experiments", margin}, 1, margin + ":2: gray_margin 5"},
		// Without the knowledge base only the file itself is checked; with it, what it names.
		{[]string{"lint", "--experiments", unknown}, 0, unknown + ": read without a knowledge base; give --kb kb.yaml"},
		{[]string{"lint", "--experiments", unknown, kb}, 1, unknown + ":2:"},
		{[]string{"lint", good}, 1, "an experiments file with --experiments"},
		// Flags after the files, as in "zhiyi lint kb.yaml --experiments …": they were read as
		// files named --experiments.
		{[]string{"lint", kb, "--experiments", unknown}, 1, unknown + ":2:"},
		{[]string{"lint", kb, "--experiments", good, "--dict", filepath.Join(shopDir, "dict")}, 0, "2 file(s), no findings"},
		{[]string{"lint", "--", "--experiments"}, 1, "cannot read --experiments"}, // after --, a file
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("zhiyi %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// fileWriter returns a function that writes a file of the test's own temporary directory and
// returns its path.
func fileWriter(t *testing.T) func(name, body string) string {
	dir := t.TempDir()
	return func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// A knowledge base train would refuse (an answer still the stub's) does not hide the findings
// of the files given with it: lint lists them all, as it did before it checked the stub.
func TestLintStubAndFindings(t *testing.T) {
	write := fileWriter(t)
	shopKB, err := os.ReadFile(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stub := write("stub.yaml", strings.Replace(string(shopKB), "亲，在的～欢迎光临衣橱小铺，请问有什么可以帮您？", "（请填写答案）", 1))
	rulesFile := write("rules.yaml", "version: 1\nrules:\n  - id: vip\n    match: {text: {contains: [会员]}}\n    action: {answer: 本店顶级会员专享}\n")
	code, stdout, stderr := runCLI(t, "", "lint", stub, rulesFile)
	if code != 1 || !strings.Contains(stdout, rulesFile+":5:") || !strings.Contains(stdout, "顶级") ||
		!strings.Contains(stderr, "the answer is still the stub's") || !strings.Contains(stderr, "1 finding(s) in 2 file(s)") {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 1, the rule's finding and the stub named", code, stdout, stderr)
	}
}

// After an intent is renamed in kb.yaml, the rules and the experiments file both still name the
// old id: one run of lint names both files' lines, not only the first file's.
func TestLintReportsEveryFileThatDoesNotFit(t *testing.T) {
	write := fileWriter(t)
	shopKB, err := os.ReadFile(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kb := write("kb.yaml", strings.ReplaceAll(string(shopKB), "shipping_time", "dispatch_time"))
	rulesPath := write("rules.yaml", "version: 1\nrules:\n  - id: r\n    match: {text: {contains: [几天发货]}}\n    action: {intent: shipping_time}\n")
	exps := write("experiments.yaml", "version: 1\nweights:\n  shipping_time: {shipping_time.a: 50, shipping_time.b: 50}\n")
	code, _, stderr := runCLI(t, "", "lint", "--kb", kb, "--rules", rulesPath, "--experiments", exps)
	for _, want := range []string{
		rulesPath + `:5: rule "r": action.intent: unknown intent "shipping_time"`,
		exps + `:3: weights: no intent "shipping_time"`,
	} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr %q; want exit 1 mentioning %q", code, stderr, want)
		}
	}
}

// TestLintAdviceFitsTheFindings: a knowledge base whose only finding is a waiver that waives
// nothing was told to "reword the answer, or waive the term next to it", which is the opposite
// of what to do; the advice names what the findings need.
func TestLintAdviceFitsTheFindings(t *testing.T) {
	write := fileWriter(t)
	head := "shop: 测试店\nversion: 1\nintents:\n  - id: price\n    label: 价格\n    category: 咨询\n    priority: 2\n" +
		"    examples: [有优惠吗]\n    answers:\n      - id: price.a\n        text: "
	for _, c := range []struct{ why, kb, want, not string }{
		{"an unused waiver alone", head + "满 99 减 10\n        waive: [{term: 最低, reason: 旧措辞}]\n",
			"1 finding(s) in 1 file(s): remove the waivers that waive nothing", "reword"},
		{"a term and an unused waiver", head + "全网最低价\n        waive: [{term: 顶级, reason: 旧措辞}]\n",
			"2 finding(s) in 1 file(s): reword the answer, or waive the term next to it with a reason; remove the waivers that waive nothing", ""},
	} {
		code, _, stderr := runCLI(t, "", "lint", write(c.why+".yaml", c.kb))
		if code != 1 || !strings.Contains(stderr, c.want) || c.not != "" && strings.Contains(stderr, c.not) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.why, code, stderr, c.want)
		}
	}
}

// A dictionary edit is checked by lint --dict as train reads it, alone or beside the other
// files, so an operator learns of a malformed line in seconds, not when a retrain stops.
func TestLintChecksDictionaries(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(shopDir, "dict")
	bad := filepath.Join(dir, "dict")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	shorthand, err := os.ReadFile(filepath.Join(good, "shorthand.txt"))
	if err != nil {
		t.Fatal(err)
	}
	broken := string(shorthand) + "定金 dj\n" // the colon forgotten
	if err := os.WriteFile(filepath.Join(bad, "shorthand.txt"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	line := strings.Count(broken, "\n")
	reversed := filepath.Join(dir, "reversed")
	if err := os.MkdirAll(reversed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(reversed, "shorthand.txt"), []byte("定金: dj\nlj: 垃圾\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repeated := filepath.Join(dir, "repeated")
	if err := os.MkdirAll(repeated, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repeated, "userdict.txt"), []byte("运费险 2000 n\n运费险 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kb := filepath.Join(shopDir, "kb.yaml")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lint", "--dict", repeated}, 0, "warning: " + filepath.Join(repeated, "userdict.txt") + ":2: 运费险 is also at"},
		{[]string{"lint", "--dict", good}, 0, "no findings; the dictionaries in " + good + " load"},
		{[]string{"lint", "--dict", good, kb}, 0, "1 file(s), no findings; the dictionaries in " + good + " load"},
		{[]string{"lint", "--dict", bad}, 1, fmt.Sprintf("%s:%d: want", filepath.Join(bad, "shorthand.txt"), line)},
		{[]string{"lint", "--dict", bad, kb}, 1, fmt.Sprintf("%s:%d: want", filepath.Join(bad, "shorthand.txt"), line)},
		{[]string{"lint", "--dict", filepath.Join(dir, "missing")}, 1, "missing"},
		{[]string{"lint", "--dict", reversed}, 1, `shorthand.txt:2: "lj: 垃圾" reads backwards`},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("zhiyi %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
