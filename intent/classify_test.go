package intent_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// An answer's placeholders are filled from the request's Vars by the engine itself, for a
// program that classifies without package reply.
func TestClassifyFillsPlaceholders(t *testing.T) {
	src, err := tinyBundle()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "templated")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	kb := filepath.Join(dir, intent.KBFile)
	raw, err := os.ReadFile(kb)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte("text: 亲，确认收货后在订单详情申请开票即可。"), []byte(`text: "{{nickname|亲}}，确认收货后在订单详情申请开票即可。"`), 1)
	if err := os.WriteFile(kb, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, intent.ManifestFile))
	eng, err := intent.LoadUnverified(context.Background(), dir, "templated")
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, c := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"nickname": "小王"}, "小王，确认收货后"},
		{nil, "亲，确认收货后"},
	} {
		res := eng.Classify(context.Background(), intent.Request{Text: "怎么开发票", Vars: c.vars})
		if res.Intent != "invoice" || res.Answer == nil || !strings.HasPrefix(res.Answer.Text, c.want) {
			t.Errorf("vars %v: %s %+v, want invoice answering %q…", c.vars, res.Intent, res.Answer, c.want)
		}
		if b := res.AppendJSON(nil); !bytes.Contains(b, []byte(c.want)) {
			t.Errorf("vars %v: the JSON does not carry the filled answer: %s", c.vars, b)
		}
	}
}
