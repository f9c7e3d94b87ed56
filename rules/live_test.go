package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLiveKeepsOldRules: a reload with an invalid file is refused with file:line and the old
// rules keep serving; a valid one takes over.
func TestLiveKeepsOldRules(t *testing.T) {
	var live Live
	if live.Current().Match(&Input{Text: "我要投诉"}) != nil {
		t.Fatal("an empty Live matched")
	}
	path := filepath.Join(t.TempDir(), "rules.yaml")
	write := func(body string) {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(validRules)
	if err := live.Load(path, Options{}); err != nil {
		t.Fatal(err)
	}
	in := &Input{Text: "我要投诉", Channel: "kf"}
	if r := live.Current().Match(in); r == nil || r.ID != "complaint" {
		t.Fatalf("after the first load: %v", r)
	}
	write(strings.Replace(validRules, "contains: [投诉, \"12315\"]", "contains: [举报]", 1) + "  - id: broken\n    match: {text: {regex: ['(']}}\n    action: {silent: true}\n")
	err := live.Load(path, Options{})
	if err == nil || !strings.Contains(err.Error(), path+":24: ") {
		t.Fatalf("invalid reload: %v, want %s:24", err, path)
	}
	if r := live.Current().Match(in); r == nil || r.ID != "complaint" {
		t.Errorf("after a failed reload: %v, want the old complaint rule", r)
	}
	write(strings.Replace(validRules, "contains: [投诉, \"12315\"]", "contains: [举报]", 1))
	if err := live.Load(path, Options{}); err != nil {
		t.Fatal(err)
	}
	if r := live.Current().Match(in); r != nil {
		t.Errorf("after a good reload: %v, want no rule for 投诉", r)
	}
}
