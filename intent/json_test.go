package intent

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// stdJSON is what encoding/json writes for v with HTML escaping off, as serving used to.
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestResultAppendJSONMatchesEncodingJSON(t *testing.T) {
	full := Result{
		MsgID: "m-1", Intent: "return_goods", Label: "退货退款", Category: "售后",
		Confidence: 0.9731, Route: RouteAuto, Reason: "confident",
		Answer: &Answer{ID: "return_goods#1", Text: "亲，退货请在订单页点击\"申请售后\"\n<7天无理由>"},
		Candidates: []Candidate{
			{Intent: "return_goods", Label: "退货退款", Confidence: 0.9731, Retrieval: 3.25, Example: "东西不要了"},
			{Intent: "refund_status", Confidence: 1e-7},
			{Intent: "none", Confidence: 0},
		},
		Rewrites:   []nlp.Rewrite{{From: "不要了", To: "退货", Kind: nlp.KindSynonym}, {From: "过数", To: "付款", Kind: nlp.KindDialect, Region: "粤语"}},
		Masked:     []string{"phone", "order"},
		Model:      "shop@20261122T000000Z",
		TookMicros: 42,
		Debug: &Debug{Text: "我要退货 <PHONE>", Tokens: []string{"我", "要", "退货"}, Terms: []string{"退货"},
			Masked: []string{"phone"}, Features: []uint32{0, 1, 4294967295}},
	}
	tests := []struct {
		name string
		r    Result
	}{
		{"zero", Result{}},
		{"full", full},
		{"no msg id, empty slices", Result{Intent: "none", Route: RouteHandoff, Candidates: []Candidate{}, Rewrites: []nlp.Rewrite{}, Model: "m"}},
		{"debug with nil slices", Result{Intent: "a", Debug: &Debug{}}},
		{"escapes", Result{Intent: "a\"b\\c\x00\x01\x1f\b\f\t\r\n", Label: "\u2028\u2029 é 😀", Category: "bad \xff\xfe utf8 \xe4\xb8", Reason: "<>&'"}},
		{"floats", Result{Confidence: 1, Candidates: []Candidate{{Confidence: 0.5, Retrieval: 1e21}, {Confidence: 123456789.125, Retrieval: 1e-6}, {Confidence: -2.5e-9, Retrieval: 12.0001}}}},
		// An answer encoded when the engine loaded, as it is and after a caller changed it.
		{"encoded answer", Result{Answer: &Answer{ID: "a.1", Text: "退货\n\"请\"", encoded: newEncodedAnswer("a.1", "退货\n\"请\"")}}},
		{"encoded answer, text changed", Result{Answer: &Answer{ID: "a.1", Text: "换货", encoded: newEncodedAnswer("a.1", "退货")}}},
		{"encoded answer, id changed", Result{Answer: &Answer{ID: "a.2", Text: "退货", encoded: newEncodedAnswer("a.1", "退货")}}},
		{"reply fields", Result{Intent: "human_agent", Route: RouteHandoff, Priority: 1, Rule: "complaint-12315",
			Experiment: "human_agent", Variant: "human_agent.b",
			Sentiment: &Sentiment{Tag: "urgent", Label: "紧急", Score: 0.93, Strong: true, Reason: "threat", Cues: []string{"12315", "投诉"}},
			Context:   &Conversation{Turn: 3, ActiveIntent: "refund_progress", Repeat: true, Escalation: "repeat"}}},
		{"reply fields, zero", Result{Sentiment: &Sentiment{}, Context: &Conversation{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.r.AppendJSON(nil)
			if want := stdJSON(t, &tt.r); !bytes.Equal(got, want) {
				t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "退货", "a\"b\\", "\x00\x1f\x7f", "\u2028", "\xff", "\xe4\xb8", "<&>",
		"\xed\xa0\x80", "\xe0\x80\x80", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xe1\x80", "退\xe9\xbf", "\xe2\x82\xac"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if want := stdJSON(t, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, -1, 0.9731, 1e-6, 9.99e-7, 1e20, 1e21, 123456.789, 5e-324,
		0.5, 0.05, 0.0001, 0.00005, 0.1235, 0.7113, 0.0533, 1.0001, 12.5, 999999999.9999, 1e9, 3.3, 0.30000000000000004} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if x != x || x > 1.7e308 || x < -1.7e308 {
			t.Skip("not representable in JSON")
		}
		// x itself, and x rounded as results round their scores (the fast path's values)
		for _, v := range []float64{x, round4(x)} {
			if got, want := appendFloat(nil, v), stdJSON(t, v); !bytes.Equal(got, want) {
				t.Errorf("appendFloat(%v) = %s, want %s", v, got, want)
			}
		}
	})
}

func BenchmarkResultJSON(b *testing.B) {
	r := Result{
		MsgID: "m-1", Intent: "return_goods", Label: "退货退款", Confidence: 0.9731, Route: RouteAuto, Reason: "confident",
		Answer:     &Answer{ID: "return_goods#1", Text: "亲，退货请在订单页点击申请售后，我们收到货后 1-3 天退款。"},
		Candidates: []Candidate{{Intent: "return_goods", Label: "退货退款", Confidence: 0.9731}, {Intent: "refund_status", Label: "退款进度", Confidence: 0.02}, {Intent: "none", Confidence: 0.004}},
		Rewrites:   []nlp.Rewrite{{From: "不要了", To: "退货", Kind: nlp.KindSynonym}},
		Model:      "shop@20261122T000000Z", TookMicros: 42,
	}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = r.AppendJSON(buf[:0])
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(&r)
		}
	})
}

func ExampleResult_AppendJSON() {
	res := Result{
		Intent: "invoice", Label: "发票", Confidence: 0.97, Route: RouteAuto, Reason: "confident",
		Candidates: []Candidate{{Intent: "invoice", Label: "发票", Confidence: 0.97}},
		Rewrites:   []nlp.Rewrite{{From: "要发票", To: "开票", Kind: nlp.KindSynonym}},
		Model:      "shop@20261122T000000Z",
	}
	line := append(res.AppendJSON(nil), '\n') // one JSON line, as zhiyi predict writes it
	os.Stdout.Write(line)
	// Output:
	// {"intent":"invoice","label":"发票","confidence":0.97,"route":"auto","reason":"confident","candidates":[{"intent":"invoice","label":"发票","confidence":0.97}],"rewrites":[{"from":"要发票","to":"开票","kind":"synonym"}],"model":"shop@20261122T000000Z","took_us":0}
}

// Every score a result can hold between 0 and 2 (four decimals), and rounded random values up
// to 10⁹, are written as encoding/json writes them.
func TestAppendFloatRounded(t *testing.T) {
	check := func(v float64) {
		if got, want := appendFloat(nil, v), stdJSON(t, v); !bytes.Equal(got, want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", v, got, want)
		}
	}
	for n := range 20001 {
		check(round4(float64(n) / 1e4))
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for range 20000 {
		check(round4(math.Pow(10, rng.Float64()*10-1)))
	}
}
