package nlp

import (
	"flag"
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"simplified unchanged", "我想退货 什么时候到", "我想退货 什么时候到"},
		{"traditional sentence", "請問這個還有貨嗎", "请问这个还有货吗"},
		{"transfer to a person", "轉人工", "转人工"},
		{"taiwan phrases", "軟體登入不了", "软件登录不了"},
		{"taiwan it words", "記憶體和硬碟", "内存和硬盘"},
		{"hong kong and taiwan shop words", "帳戶網購運費", "帐户网购运费"},
		{"invoice title", "發票抬頭", "发票抬头"},
		// the customer wrote 抬头 in its Taiwan form: tw2sp leaves 擡 as it is
		{"invoice title, taiwan 擡", "發票擡頭怎麼改", "发票抬头怎么改"},
		{"擡 alone", "擡", "抬"},
		{"mixed scripts keep 么", "什么時候發貨", "什么时候发货"},
		{"ascii and placeholders untouched", "iphone15手機殼 <PHONE> ok", "iphone15手机壳 <PHONE> ok"},
		{"emoji and punctuation", "退貨!!😡 謝謝", "退货!!😡 谢谢"},
		{"hair and shipping", "頭髮 發貨", "头发 发货"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Fold(Fold(tt.in)); again != Fold(tt.in) {
				t.Errorf("Fold is not idempotent on %q: %q", tt.in, again)
			}
		})
	}
}

// Every character of the table is one the converter changes, and folding leaves none behind.
func TestFoldTableMatchesConverter(t *testing.T) {
	n := 0
	for _, r := range traditionalChars {
		n++
		if !isTraditional(r) {
			t.Fatalf("%q not in the table built from traditionalChars", r)
		}
		if out := Fold(string(r)); out == string(r) || hasTraditional(out) {
			t.Errorf("Fold(%q) = %q", string(r), out)
		}
	}
	if n < 4000 {
		t.Errorf("only %d traditional characters", n)
	}
	for _, r := range "的了是我你他们这个什么时候发货退款换货快递么抬" {
		if isTraditional(r) {
			t.Errorf("simplified %q taken for traditional", r)
		}
	}
}

func TestAnalyzeFoldsTraditional(t *testing.T) {
	a := mustAnalyzer(t)
	trad, simp := a.Analyze("東西不要了怎麼寄回去"), a.Analyze("东西不要了怎么寄回去")
	if trad.Text != simp.Text || strings.Join(trad.Terms, " ") != strings.Join(simp.Terms, " ") {
		t.Errorf("traditional %v, simplified %v", trad, simp)
	}
}

func TestOpenCCFlagDropped(t *testing.T) {
	if flag.Lookup("dir") != nil {
		t.Fatal("opencc's -dir is still on the command line")
	}
	// a program may define its own -dir
	fs := flag.CommandLine
	defer func() { flag.CommandLine = fs }()
	flag.CommandLine = flag.NewFlagSet("x", flag.ContinueOnError)
	flag.String("dir", "", "mine")
	// and the test binary's own flags survived the rebuild
	if fs.Lookup("test.run") == nil {
		t.Error("go test's flags are gone")
	}
}

func BenchmarkFoldTables(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		foldTables()
	}
}

func BenchmarkFold(b *testing.B) {
	b.Run("simplified", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			Fold(benchMessages[i%len(benchMessages)])
			i++
		}
	})
	b.Run("traditional", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Fold("請問這個還有貨嗎 什麼時候發貨")
		}
	})
}
