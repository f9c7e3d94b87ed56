package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestNoneSeedsWeight: the built-in out-of-scope examples stand in for the class at full weight
// while a shop labels few out-of-scope messages, and count NoneSeedWeight beside enough of its
// own; without a knowledge base (a public benchmark's taxonomy) there are none.
func TestNoneSeedsWeight(t *testing.T) {
	kb := &index.KB{Intents: []index.Intent{{ID: "track_parcel", Examples: []string{"快递到哪了"}}}}
	for _, tc := range []struct {
		name      string
		kb        *index.KB
		ownNone   int
		wantW     float32 // 0: no seeds
		wantShare bool
	}{
		{"few own", kb, 10, 1, true},
		{"enough own", kb, 200, NoneSeedWeight, true},
		{"no knowledge base", nil, 10, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{cfg: Config{Weak: DefaultWeakConfig()}, kb: tc.kb, sum: &Summary{}, prog: io.Discard,
				data: imported{byText: map[string]int{}}}
			for i := range tc.ownNone {
				r.data.recs = append(r.data.recs, record{text: fmt.Sprintf("闲聊%d", i), intent: intent.NoneIntent})
			}
			if _, err := r.addSeeds(); err != nil {
				t.Fatal(err)
			}
			seeds := 0
			for _, rec := range r.data.recs[tc.ownNone:] {
				if rec.origin != fromNoneSeed {
					continue
				}
				seeds++
				if rec.weight != tc.wantW {
					t.Fatalf("seed %q weighs %v, want %v", rec.text, rec.weight, tc.wantW)
				}
			}
			if got := seeds > 0; got != tc.wantShare || r.sum.NoneSeeds != seeds {
				t.Fatalf("%d out-of-scope seeds (summary %d), want some: %v", seeds, r.sum.NoneSeeds, tc.wantShare)
			}
		})
	}
}

// TestShopTermsLeaveOutSeeds: a built-in out-of-scope example that uses a word the knowledge base
// is about is the shop's business (宽带 for a broadband provider), and is left out; words every
// kind of question uses, a word inside a longer one (开发 in 开发票) and a word two built-in
// examples use are not the shop's.
func TestShopTermsLeaveOutSeeds(t *testing.T) {
	kb := &index.KB{Intents: []index.Intent{
		{ID: "bb_new_install", Examples: []string{"我想装个宽带", "装宽带要多少钱", "你们宽带覆盖我们小区吗", "办宽带要带什么证件"}},
		{ID: "router_wifi", Examples: []string{"路由器怎么设置", "WiFi密码怎么改", "wifi信号差", "路由器灯不亮"}},
		{ID: "e_invoice", Examples: []string{"怎么开发票", "开发票要多久", "能开发票吗"}},
		{ID: "bill", Examples: []string{"话费怎么这么多", "这个月话费多少", "怎么办理停机"}},
	}}
	seeds := []string{"宽带怎么办理", "路由器怎么重启", "wifi密码忘了怎么办", "你是谁开发的", "今天天气怎么样",
		"怎么办理护照", "身份证怎么办理", "电饭锅要多久"}
	terms := shopTerms(kb, seeds)
	for _, tc := range []struct{ seed, want string }{
		{"宽带怎么办理", "宽带"},
		{"路由器怎么重启", "路由器"},
		{"wifi密码忘了怎么办", "wifi"},
		{"你是谁开发的", ""},  // 开发 is always 开发票 in the knowledge base
		{"今天天气怎么样", ""}, // 怎么 is a function word
		{"怎么办理护照", ""},  // 办理 is in two built-in examples
		{"电饭锅要多久", ""},  // 要多久 has a function character
	} {
		if got := seedTerm(tc.seed, terms); got != tc.want {
			t.Errorf("%s: term %q, want %q (terms %v)", tc.seed, got, tc.want, terms)
		}
	}
}

// TestDictionariesSayWhereUrgencyComesFrom: a shop lexicon without [urgent:safety] is warned
// about, and no lexicon at all is said to leave tone and urgency to the built-in one.
func TestDictionariesSayWhereUrgencyComesFrom(t *testing.T) {
	for _, tc := range []struct {
		name, lexicon, want string
	}{
		{"no safety", "[negative]\n失望\n", "no [urgent:safety] section"},
		{"safety", "[urgent:safety]\n着火 3\n", ""},
		{"no lexicon", "", "zhiyi's built-in lexicon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.lexicon != "" {
				if err := os.WriteFile(filepath.Join(dir, "sentiment.txt"), []byte(tc.lexicon), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var prog strings.Builder
			r := &run{cfg: Config{DictDir: dir}, sum: &Summary{}, prog: &prog}
			if _, err := r.loadDictionaries(); err != nil {
				t.Fatal(err)
			}
			got := prog.String()
			if tc.want == "" && strings.Contains(got, "urgent") || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("progress %q, want %q", got, tc.want)
			}
		})
	}
}

// The progress listed 8 of a big shop's 13 left-out examples as if they were all of them.
func TestLeftOutLineSaysHowManyItDoesNotName(t *testing.T) {
	var out []string
	for i := range 13 {
		out = append(out, fmt.Sprintf("例句%d (词%d)", i, i))
	}
	got := leftOutLine(out)
	if !strings.HasPrefix(got, "seeds: 13 built-in out-of-scope examples left out") || !strings.Contains(got, "例句7 (词7)") ||
		strings.Contains(got, "例句8 (") || !strings.HasSuffix(got, "… and 5 more (zhiyi train --json: none_seeds_left_out)") {
		t.Errorf("%q", got)
	}
	if got := leftOutLine(out[:2]); strings.Contains(got, "more") {
		t.Errorf("two left out, both named: %q", got)
	}
}
