package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// shopAnalyzer is the sample shop's analyzer, built once per test binary (gse loads in ~1 s).
var shopAnalyzer = sync.OnceValues(func() (*nlp.Analyzer, error) {
	return nlp.New(nlp.Config{DictDir: "../corpora/shop/dict"})
})

func mustAnalyzer(tb testing.TB) *nlp.Analyzer {
	tb.Helper()
	a, err := shopAnalyzer()
	if err != nil {
		tb.Fatalf("nlp.New: %v", err)
	}
	return a
}

func mustKB(tb testing.TB) *KB {
	tb.Helper()
	kb, err := LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		tb.Fatalf("LoadKB: %v", err)
	}
	return kb
}

// kbDocs turns every example of kb into a Doc (id intent#n).
func kbDocs(a *nlp.Analyzer, kb *KB) []Doc {
	var docs []Doc
	for _, in := range kb.Intents {
		for j, ex := range in.Examples {
			docs = append(docs, Doc{ID: fmt.Sprintf("%s#%d", in.ID, j), Intent: in.ID, Text: a.Analyze(ex).Text})
		}
	}
	return docs
}

func mustBuild(tb testing.TB, a *nlp.Analyzer, docs []Doc, opt Options) *Index {
	tb.Helper()
	ix, err := Build(context.Background(), a, docs, opt)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	tb.Cleanup(func() {
		if err := ix.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return ix
}

// shopDocs are the sample shop's examples as docs, analysed once per test binary.
var shopDocs = sync.OnceValues(func() ([]Doc, error) {
	a, err := shopAnalyzer()
	if err != nil {
		return nil, err
	}
	kb, err := LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		return nil, err
	}
	return kbDocs(a, kb), nil
})

func mustShopDocs(tb testing.TB) []Doc {
	tb.Helper()
	docs, err := shopDocs()
	if err != nil {
		tb.Fatal(err)
	}
	return docs
}

// shopIndex is the in-memory index of the sample shop's examples.
func shopIndex(tb testing.TB) (*nlp.Analyzer, *KB, *Index) {
	tb.Helper()
	a, kb := mustAnalyzer(tb), mustKB(tb)
	return a, kb, mustBuild(tb, a, mustShopDocs(tb), Options{})
}

func TestSearchFindsParaphrases(t *testing.T) {
	a, kb, ix := shopIndex(t)
	if ix.Len() == 0 || ix.Len() != len(mustShopDocs(t)) {
		t.Fatalf("Len = %d", ix.Len())
	}
	tests := []struct {
		query, want string
		// variant is the customer's wording that only a rewrite maps onto the examples' words;
		// it must occur in no example ("" for a plain lexical match).
		variant string
	}{
		{"东西不要了怎么寄回去", "return_goods", ""},
		{"我想退個貨", "return_goods", "退個貨"},
		{"运单号多少", "track_parcel", "运单号"},
		{"能cod吗", "payment_methods", "cod"},
		{"充电器多少瓦", "product_info", "充电器"},
		{"在嘛", "greeting", "在嘛"},
		{"退钱要几天", "refund_progress", "退钱"},
		{"衣服褪色了", "quality_complaint", "褪色"},
		{"寄错货了", "missing_wrong_item", "寄错"},
		{"转真人客服", "human_agent", "真人客服"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			an := a.Analyze(tt.query)
			if tt.variant != "" {
				if len(an.Rewrites) == 0 {
					t.Fatalf("no rewrite fired for %q: %v", tt.query, an)
				}
				for _, in := range kb.Intents {
					for _, ex := range in.Examples {
						if strings.Contains(strings.ToLower(ex), tt.variant) {
							t.Fatalf("variant %q occurs in example %q of %s: the test would not need the rewrite", tt.variant, ex, in.ID)
						}
					}
				}
			}
			got, err := ix.Search(context.Background(), an, 5)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if len(got) == 0 || got[0].Intent != tt.want {
				t.Fatalf("Search(%q) = %v, want %s first (analysis %v)", tt.query, got, tt.want, an)
			}
			if got[0].DocID == "" || got[0].Text == "" || got[0].Score <= 0 {
				t.Errorf("incomplete candidate %+v", got[0])
			}
			for i := 1; i < len(got); i++ {
				if got[i].Score > got[i-1].Score {
					t.Errorf("candidates not sorted by score: %v", got)
				}
			}
		})
	}
}

func TestSearchEmpty(t *testing.T) {
	a, _, ix := shopIndex(t)
	for _, q := range []string{"", "   ", "。。。！", "的了吧", "zzqxj"} {
		got, err := ix.Search(context.Background(), a.Analyze(q), 5)
		if err != nil || len(got) != 0 {
			t.Errorf("Search(%q) = %v, %v; want none", q, got, err)
		}
	}
	if got, err := ix.Search(context.Background(), nlp.Analysis{}, 5); err != nil || got != nil {
		t.Errorf("zero Analysis: %v, %v", got, err)
	}
	if got, err := ix.Search(context.Background(), a.Analyze("我想退货"), 0); err != nil || got != nil {
		t.Errorf("k = 0: %v, %v", got, err)
	}
}

func TestSearchK(t *testing.T) {
	a, _, ix := shopIndex(t)
	an := a.Analyze("退货运费谁承担 可以上门取件吗")
	for _, k := range []int{1, 2, 5} {
		got, err := ix.Search(context.Background(), an, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != k {
			t.Errorf("k=%d: %d candidates", k, len(got))
		}
	}
	// More than the index holds: every matching doc, no more.
	got, err := ix.Search(context.Background(), an, 10*ix.Len())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) > ix.Len() {
		t.Errorf("k > Len: %d candidates", len(got))
	}
}

// TestSearchSkipsCommonTerms: a term in most documents is not queried; the rest still is.
func TestSearchSkipsCommonTerms(t *testing.T) {
	a := mustAnalyzer(t)
	var docs []Doc
	for i := range 200 {
		text := "衣服可以退货吗"
		if i%4 == 0 {
			text = "衣服可以换货吗"
		}
		docs = append(docs, Doc{ID: fmt.Sprint(i), Intent: "x", Text: text})
	}
	ix := mustBuild(t, a, docs, Options{})
	if ix.df["衣服"].df != 200 || ix.maxDF != minDFCap {
		t.Fatalf("df(衣服) = %d, maxDF = %d", ix.df["衣服"].df, ix.maxDF)
	}
	// 衣服 and 可以 are in every doc, 退货 in 150 of 200: nothing is left to query.
	if got, err := ix.Search(context.Background(), a.Analyze("衣服可以退货吗"), 5); err != nil || len(got) != 0 {
		t.Errorf("common terms only: %d candidates, %v", len(got), err)
	}
	got, err := ix.Search(context.Background(), a.Analyze("衣服可以换货吗"), 100)
	if err != nil || len(got) != 50 {
		t.Errorf("换货: %d candidates, %v; want the 50 docs with 换货", len(got), err)
	}
	if st := ix.Stats(); st.Docs != 200 || st.Terms == 0 || st.BuildTime <= 0 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestSearchTiesRepeat: equal scores come back in the same order from index to index.
func TestSearchTiesRepeat(t *testing.T) {
	a, docs := mustAnalyzer(t), mustShopDocs(t)
	an := a.Analyze("在嘛") // matches several greeting examples with one score
	var first []Candidate
	for i := range 3 {
		ix := mustBuild(t, a, docs, Options{})
		got, err := ix.Search(context.Background(), an, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Score != got[1].Score {
			t.Fatalf("want a tie in the top 2: %v", got)
		}
		if i == 0 {
			first = got
		} else if fmt.Sprint(got) != fmt.Sprint(first) {
			t.Fatalf("build %d: %v, first build: %v", i, got, first)
		}
	}
}

func TestSearchConcurrent(t *testing.T) {
	a, _, ix := shopIndex(t)
	queries := []string{"我想退個貨", "运单号多少", "能cod吗", "充电器多少瓦", "在嘛", "发票怎么开", "什么时候发货"}
	want := make([][]Candidate, len(queries))
	ans := make([]nlp.Analysis, len(queries))
	for i, q := range queries {
		ans[i] = a.Analyze(q)
		var err error
		if want[i], err = ix.Search(context.Background(), ans[i], 3); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 50 {
				i := (g + n) % len(queries)
				got, err := ix.Search(context.Background(), ans[i], 3)
				if err != nil {
					t.Error(err)
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(want[i]) {
					t.Errorf("%s: got %v, want %v", queries[i], got, want[i])
					return
				}
			}
		})
	}
	// Analysis through bleve's side of the analyzer runs concurrently too (two builds at once).
	for range 2 {
		wg.Go(func() {
			ix2, err := Build(context.Background(), a, mustShopDocs(t), Options{})
			if err != nil {
				t.Error(err)
				return
			}
			ix2.Close()
		})
	}
	wg.Wait()
}

func TestBuildOnDiskAndOpen(t *testing.T) {
	a, docs := mustAnalyzer(t), mustShopDocs(t)
	path := filepath.Join(t.TempDir(), "kb.bleve")
	ix, err := Build(context.Background(), a, docs, Options{Path: path})
	if err != nil {
		t.Fatalf("Build on disk: %v", err)
	}
	an := a.Analyze("我想退個貨")
	want, err := ix.Search(context.Background(), an, 5)
	if err != nil || len(want) == 0 || want[0].Intent != "return_goods" {
		t.Fatalf("on-disk Search = %v, %v", want, err)
	}
	builtStats := ix.Stats()
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ix.Search(context.Background(), an, 5); err == nil {
		t.Errorf("Search after Close succeeded")
	}
	if _, err := Build(context.Background(), a, docs, Options{Path: path}); err == nil {
		t.Errorf("Build over an existing index succeeded")
	}

	before := dirState(t, path)
	ox, err := Open(path, a, docs)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if ba, ok := ox.bi.Mapping().AnalyzerNamed(AnalyzerName).(*bleveAnalyzer); !ok || ba.a.Load() != a {
		t.Errorf("opened index's analyzer is not bound to a")
	}
	for i, d := range docs { // posOf, from the ids bleve stores, agrees with bleve's id lookup
		id, err := ox.reader.InternalID(d.ID)
		if err != nil {
			t.Fatalf("doc %q: %v", d.ID, err)
		}
		if p := ox.posOf[id.Value()]; p != int32(i) {
			t.Fatalf("doc %q is #%d, posOf gives %d", d.ID, i, p)
		}
	}
	got, err := ox.Search(context.Background(), an, 5)
	if err != nil {
		t.Fatalf("Search opened: %v", err)
	}
	if len(got) != len(want) || got[0].Intent != "return_goods" || got[0].Score != want[0].Score {
		t.Errorf("opened index: %v, built: %v", got, want)
	}
	if st := ox.Stats(); st.Docs != builtStats.Docs || st.Terms != builtStats.Terms {
		t.Errorf("opened Stats %+v, built %+v", st, builtStats)
	}
	if err := ox.Close(); err != nil {
		t.Errorf("Close opened: %v", err)
	}
	if after := dirState(t, path); after != before {
		t.Errorf("Open changed the index files (a bundle must stay as written):\nbefore %s\nafter  %s", before, after)
	}
	// Opened before the analyzer exists, bound after: the same hits.
	lx, err := Open(path, nil, docs)
	if err != nil {
		t.Fatalf("Open without an analyzer: %v", err)
	}
	if got, err := lx.Search(context.Background(), an, 5); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("opened without an analyzer: %v, %v; built: %v", got, err, want)
	}
	if err := lx.Bind(nil); err == nil {
		t.Errorf("Bind(nil) accepted")
	}
	if err := lx.Bind(a); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	if ba, ok := lx.bi.Mapping().AnalyzerNamed(AnalyzerName).(*bleveAnalyzer); !ok || ba.a.Load() != a {
		t.Errorf("index opened without an analyzer is not bound to a after Bind")
	}
	if err := lx.Close(); err != nil {
		t.Errorf("Close opened without an analyzer: %v", err)
	}
	if _, err := Open(path, a, docs[1:]); err == nil || !strings.Contains(err.Error(), "documents") {
		t.Errorf("Open with the wrong docs: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), a, docs); err == nil {
		t.Errorf("Open of a missing index succeeded")
	}
}

func TestBuildErrors(t *testing.T) {
	a := mustAnalyzer(t)
	tests := []struct {
		name string
		docs []Doc
		want string
	}{
		{"empty id", []Doc{{ID: "", Text: "退货"}}, "no id"},
		{"duplicate id", []Doc{{ID: "a", Text: "退货"}, {ID: "a", Text: "换货"}}, "duplicate doc id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(context.Background(), a, tt.docs, Options{}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build: %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Build(context.Background(), nil, nil, Options{}); err == nil {
		t.Errorf("nil analyzer accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, a, []Doc{{ID: "a", Text: "退货"}}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Build: %v", err)
	}
	path := filepath.Join(t.TempDir(), "ix")
	if _, err := Build(ctx, a, []Doc{{ID: "a", Text: "退货"}}, Options{Path: path}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Build on disk: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("cancelled Build left %s behind: %v", path, err)
	}
	// An empty index builds and finds nothing.
	ix := mustBuild(t, a, nil, Options{})
	if got, err := ix.Search(context.Background(), a.Analyze("退货"), 3); err != nil || len(got) != 0 {
		t.Errorf("empty index: %v, %v", got, err)
	}
}

// TestAnalyzerRegistry: every index gets its own registry entry, removed on Close, and bleve's
// side of the analyzer produces nlp's terms.
func TestAnalyzerRegistry(t *testing.T) {
	a := mustAnalyzer(t)
	ix, err := Build(context.Background(), a, []Doc{{ID: "a", Intent: "x", Text: "我想退個貨"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := analyzers.Load(ix.key); !ok || v.(*nlp.Analyzer) != a {
		t.Fatalf("analyzer not registered under %q", ix.key)
	}
	ba, ok := ix.bi.Mapping().AnalyzerNamed(AnalyzerName).(*bleveAnalyzer)
	if !ok {
		t.Fatalf("mapping analyzer is not the zhiyi analyzer")
	}
	var terms []string
	for _, tok := range ba.Analyze([]byte("我想退個貨")) {
		terms = append(terms, string(tok.Term))
	}
	if want := a.Analyze("我想退個貨").Terms; fmt.Sprint(terms) != fmt.Sprint(want) {
		t.Errorf("bleve analyzer terms %q, nlp terms %q", terms, want)
	}
	if ix.df["退货"].df != 1 {
		t.Errorf("退货 not indexed: df = %v", ix.df)
	}
	ix.Close()
	if _, ok := analyzers.Load(ix.key); ok {
		t.Errorf("registry entry %q survives Close", ix.key)
	}
	if _, err := newBleveAnalyzer(map[string]any{}, nil); err == nil {
		t.Errorf("constructor without key succeeded")
	}
}

// TestMaskedDocs: documents hold masked text; a message with the same kind of personal data
// must find them.
func TestMaskedDocs(t *testing.T) {
	a := mustAnalyzer(t)
	text := a.Analyze("我的手机号13812345678收不到验证码").Text
	ix := mustBuild(t, a, []Doc{{ID: "a", Intent: "login_problem", Text: text}, {ID: "b", Intent: "x", Text: "手机壳"}}, Options{})
	if re, orig := a.Analyze(text).Terms, a.Analyze("我的手机号13812345678收不到验证码").Terms; fmt.Sprint(re) != fmt.Sprint(orig) {
		t.Fatalf("analysing Analysis.Text again gives %q, not %q", re, orig)
	}
	got, err := ix.Search(context.Background(), a.Analyze("15900001111"), 3)
	if err != nil || len(got) != 1 || got[0].DocID != "a" {
		t.Errorf("Search(phone) = %v, %v; want doc a", got, err)
	}
}

// dirState describes every file under dir (name, size, modification time).
func dirState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s:%d:%d ", path[len(dir):], info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSearchLongMessage: a long message with repeated terms queries each term once.
func TestSearchLongMessage(t *testing.T) {
	a, _, ix := shopIndex(t)
	short, err := ix.Search(context.Background(), a.Analyze("运单号多少 我想退個貨"), 5)
	if err != nil {
		t.Fatal(err)
	}
	an := a.Analyze(strings.Repeat("运单号多少 我想退個貨 ", 40))
	if len(an.Terms) <= 32 {
		t.Fatalf("only %d terms", len(an.Terms))
	}
	long, err := ix.Search(context.Background(), an, 5)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(long) != fmt.Sprint(short) {
		t.Errorf("repeated message: %v, once: %v", long, short)
	}
}

// TestSearchScoresMatchBleve checks Search against bleve's own search for the same query (a
// term query, or a disjunction of term queries, over the same picked terms): the same documents
// with the same scores, for every document bleve finds, on a few hundred messages.
func TestSearchScoresMatchBleve(t *testing.T) {
	a, kb, ix := shopIndex(t)
	ctx := context.Background()
	var texts []string
	for _, it := range kb.Intents {
		texts = append(texts, it.Examples...)
	}
	texts = append(texts, "东西不要了怎么寄回去", "我想退個貨", "发票 退货 发货 人工 快递", "你好")
	checked := 0
	for _, text := range texts {
		an := a.Analyze(text)
		var pick [maxQueryTerms]termDF
		n := ix.queryTerms(an.Terms, &pick)
		if n == 0 {
			continue
		}
		qs := make([]query.Query, n)
		for i, p := range pick[:n] {
			tq := query.NewTermQuery(p.term)
			tq.SetField(textField)
			qs[i] = tq
		}
		var q query.Query = qs[0]
		if n > 1 {
			q = query.NewDisjunctionQuery(qs)
		}
		res, err := ix.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, ix.Len(), 0, false))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ix.Search(ctx, an, ix.Len())
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(res.Hits) {
			t.Fatalf("%q: Search found %d documents, bleve %d", text, len(got), len(res.Hits))
		}
		ours := make(map[string]float64, len(got))
		for i, c := range got {
			ours[c.DocID] = c.Score
			if i > 0 && c.Score > got[i-1].Score {
				t.Fatalf("%q: results not best first: %v", text, got)
			}
		}
		for _, h := range res.Hits {
			s, ok := ours[h.ID]
			if !ok || math.Abs(s-h.Score) > 1e-9*math.Max(1, h.Score) {
				t.Fatalf("%q: document %s scored %v by Search (found %v), %v by bleve", text, h.ID, s, ok, h.Score)
			}
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d messages had query terms", checked)
	}
}
