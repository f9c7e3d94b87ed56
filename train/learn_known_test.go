package train

import (
	"path/filepath"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestLeaveOutLearnt: a correction the bundle has among its examples (the same text, however it
// was typed, to the same intent) is learnt already and not counted; the same text to another
// intent, or a new text, is.
func TestLeaveOutLearnt(t *testing.T) {
	dir := learnShop(t)
	docs, err := intent.ReadExampleDocs(filepath.Join(dir, intent.ExamplesFile))
	if err != nil || len(docs) == 0 {
		t.Fatalf("the tiny bundle's examples: %d, %v", len(docs), err)
	}
	had := docs[0]
	other := "none"
	if had.Intent == other {
		other = "invoice"
	}
	fixes := []Correction{
		{Text: had.Text, Intent: had.Intent},
		{Text: " " + had.Text + " ", Intent: had.Intent}, // typed with spaces: the same message
		{Text: had.Text, Intent: other},
		{Text: "这是一条从来没有见过的消息", Intent: had.Intent},
	}
	keep, known, err := LeaveOutLearnt(dir, fixes)
	if err != nil {
		t.Fatal(err)
	}
	if known != 2 || len(keep) != 2 || keep[0] != fixes[2] || keep[1] != fixes[3] {
		t.Errorf("LeaveOutLearnt: kept %+v, %d known; want the last two kept, two known", keep, known)
	}
	// a bundle without its history: nothing is known, Learn judges them all
	keep, known, err = LeaveOutLearnt(t.TempDir(), fixes)
	if err != nil || known != 0 || len(keep) != len(fixes) {
		t.Errorf("without examples: kept %d, %d known, %v", len(keep), known, err)
	}
}
