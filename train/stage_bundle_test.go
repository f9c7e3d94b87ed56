package train

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

func TestRunBundleLoadsAndClassifies(t *testing.T) {
	s := trained(t)
	ctx := context.Background()
	eng, err := intent.Load(ctx, s.out)
	if err != nil {
		t.Fatalf("intent.Load: %v", err)
	}
	defer eng.Close()
	if slices.Contains(eng.Classifier().Labels(), "gift_wrap") {
		t.Error("the classifier knows gift_wrap, which the knowledge base lacks")
	}
	for text, want := range map[string]string{
		"请问这双鞋什么时候发货":  "shipping_time",
		"东西不要了怎么寄回去":   "return_goods",
		"你好 手机壳怎么申请退货": "return_goods",
		"怎么开发票":        "invoice",
		"羽绒服发票在哪里申请":   "invoice",
		"我要找人工客服":      "human_agent",
		"今天天气怎么样呀":     intent.NoneIntent,
	} {
		res := eng.Classify(ctx, intent.Request{Text: text})
		if res.Intent != want {
			t.Errorf("Classify(%q) = %s (%.3f), want %s; candidates %+v", text, res.Intent, res.Confidence, want, res.Candidates)
		}
	}
	if res := eng.Classify(ctx, intent.Request{Text: "我要找人工客服"}); res.Route != intent.RouteHandoff {
		t.Errorf("a request for a person routes %s, want handoff", res.Route)
	}
}

// The bundle carries its retrieval index: Load opens it rather than building it, and answers
// exactly as an engine that built its index from the same documents.
func TestRunBundleOpensPersistedIndex(t *testing.T) {
	s := trained(t)
	ctx := context.Background()
	opened, err := intent.Load(ctx, s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	built, err := intent.LoadUnverified(ctx, s.out, "shop")
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	if st := opened.IndexStats(); !st.Opened || st.Docs == 0 {
		t.Errorf("Load: index %+v, want the bundle's persisted index opened", st)
	}
	if st := built.IndexStats(); st.Opened {
		t.Errorf("LoadUnverified: index %+v, want it built from the documents", st)
	}
	for _, text := range []string{"请问这双鞋什么时候发货", "东西不要了怎么寄回去", "羽绒服发票在哪里申请", "在吗", "手机壳"} {
		a := opened.Classify(ctx, intent.Request{Text: text})
		b := built.Classify(ctx, intent.Request{Text: text})
		// Timing and the model version (LoadUnverified dates its own) are not the index's doing.
		a.TookMicros, b.TookMicros = 0, 0
		a.Model, b.Model = "", ""
		if !reflect.DeepEqual(a, b) {
			t.Errorf("Classify(%q):\nopened index %+v\nbuilt index  %+v", text, a, b)
		}
	}
	// Files any user can read: a bundle is often built by one user and served by another.
	err = filepath.WalkDir(filepath.Join(s.out, intent.IndexDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err == nil && info.Mode().Perm()&0o444 != 0o444 {
			t.Errorf("%s has mode %v, want readable by all", p, info.Mode().Perm())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A persisted index this build cannot read is rebuilt from the documents, not a failed load.
func TestRunBundleRebuildsUnreadableIndex(t *testing.T) {
	s := trained(t)
	dir := filepath.Join(t.TempDir(), "shop")
	if err := os.CopyFS(dir, os.DirFS(s.out)); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, intent.IndexDir, "store")
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(store, e.Name()), []byte("not bleve"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := intent.ReadManifest(s.out)
	if err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil { // sealed as it is now
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatalf("Load with an unreadable index: %v", err)
	}
	defer eng.Close()
	if st := eng.IndexStats(); st.Opened || st.Docs == 0 {
		t.Errorf("index %+v, want it rebuilt from the documents", st)
	}
	if res := eng.Classify(context.Background(), intent.Request{Text: "东西不要了怎么寄回去"}); res.Intent != "return_goods" {
		t.Errorf("Classify = %s, want return_goods", res.Intent)
	}
}
