package nlp

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestLooksGB(t *testing.T) {
	gb := func(s string) string {
		b, err := simplifiedchinese.GB18030.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf8Lines := strings.Repeat("会话ID,消息内容,意图标签\r\n", 20)
	gbLines := gb(utf8Lines)
	for _, tc := range []struct {
		name string
		b    string
		want bool
	}{
		{"GBK lines", gbLines, true},
		{"GBK cut inside a character", gbLines + gb("退货")[:3], true},
		{"GB18030 four-byte character", gb("𠀀 退货\n"), true},
		{"GBK with a line that is UTF-8 by chance", gb("偷\n") + gbLines, true},
		{"UTF-8", utf8Lines, false},
		{"UTF-8 cut inside a character", utf8Lines + "退货"[:4], false},
		{"UTF-8 with one GBK line", utf8Lines + gb("我要退货\n") + utf8Lines, false},
		{"ASCII", "a,b,c\n1,2,3\n", false},
		{"Latin-1", "caf\xe9\n", false},
		{"empty", "", false},
	} {
		if got := LooksGB([]byte(tc.b)); got != tc.want {
			t.Errorf("%s: LooksGB = %v, want %v", tc.name, got, tc.want)
		}
	}
}
