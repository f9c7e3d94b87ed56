package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// benchQueries are customer messages of the sample shop, some only matching after rewrites.
var benchQueries = []string{
	"东西不要了怎么寄回去", "我想退個貨", "运单号多少", "能cod吗", "充电器多少瓦", "在嘛",
	"退钱要几天", "衣服褪色了", "寄错货了", "我要真人客服", "什么时候发货啊 急用",
	"这件卫衣有没有XL码", "优惠券怎么用不了", "发票抬头开错了能改吗", "快递一直不动是怎么回事",
	"我160cm 100斤穿什么码", "你们家的数据线是正品吗", "能不能便宜点", "收到的鞋子开胶了 要求换新",
	"我电话13812345678 麻烦帮我改下地址",
}

// syntheticDocs returns n varied documents made from the kb examples with words of other
// examples mixed in (fixed seed).
var syntheticDocs = sync.OnceValues(func() ([]Doc, error) {
	a, err := shopAnalyzer()
	if err != nil {
		return nil, err
	}
	kb, err := LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		return nil, err
	}
	type ex struct{ intent, text string }
	var exs []ex
	var words []string
	for _, in := range kb.Intents {
		for _, e := range in.Examples {
			exs = append(exs, ex{in.ID, e})
			words = append(words, a.Analyze(e).Terms...)
		}
	}
	fillers := []string{"亲", "麻烦问下", "急", "谢谢", "老板", "在线等", "请问一下", "你好", "那个", "就是说"}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 10000
	docs := make([]Doc, 0, n)
	for i := range n {
		e := exs[r.IntN(len(exs))]
		var b strings.Builder
		if r.IntN(3) == 0 {
			b.WriteString(fillers[r.IntN(len(fillers))] + " ")
		}
		b.WriteString(e.text)
		for range r.IntN(4) {
			b.WriteString(" " + words[r.IntN(len(words))])
		}
		docs = append(docs, Doc{ID: fmt.Sprintf("syn%05d", i), Intent: e.intent, Text: a.Analyze(b.String()).Text})
	}
	return docs, nil
})

func benchDocs(b *testing.B, size string) (*nlp.Analyzer, []Doc) {
	a := mustAnalyzer(b)
	if size == "10k" {
		docs, err := syntheticDocs()
		if err != nil {
			b.Fatal(err)
		}
		return a, docs
	}
	return a, mustShopDocs(b)
}

func BenchmarkSearch(b *testing.B) {
	for _, size := range []string{"kb", "10k"} {
		b.Run(size, func(b *testing.B) {
			a, docs := benchDocs(b, size)
			ix := mustBuild(b, a, docs, Options{})
			ans := make([]nlp.Analysis, len(benchQueries))
			for i, q := range benchQueries {
				ans[i] = a.Analyze(q)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if _, err := ix.Search(ctx, ans[i%len(ans)], 10); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkSearchParallel(b *testing.B) {
	a, docs := benchDocs(b, "10k")
	ix := mustBuild(b, a, docs, Options{})
	ans := make([]nlp.Analysis, len(benchQueries))
	for i, q := range benchQueries {
		ans[i] = a.Analyze(q)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := ix.Search(context.Background(), ans[i%len(ans)], 10); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct {
		size string
		disk bool
	}{{"kb", false}, {"10k", false}, {"kb", true}} {
		name := c.size + "/mem"
		if c.disk {
			name = c.size + "/disk"
		}
		b.Run(name, func(b *testing.B) {
			a, docs := benchDocs(b, c.size)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				var opt Options
				if c.disk {
					opt.Path = filepath.Join(b.TempDir(), fmt.Sprint(n))
					n++
				}
				ix, err := Build(context.Background(), a, docs, opt)
				if err != nil {
					b.Fatal(err)
				}
				ix.Close()
			}
		})
	}
}
