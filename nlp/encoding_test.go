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

// TestCheckUTF8NamesUTF16: Excel's "Unicode 文本" is UTF-16 (with a BOM, a NUL beside every
// ASCII byte); it was "a file in another encoding?". The error names it and what to save instead.
func TestCheckUTF8NamesUTF16(t *testing.T) {
	utf16le := func(s string) []byte {
		var b []byte
		for _, r := range s { // the test's text is in the BMP
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" for valid UTF-8
	}{
		{"UTF-16LE with a BOM", append([]byte{0xff, 0xfe}, utf16le("会话ID\t消息内容\r\n")...), "UTF-16"},
		{"UTF-16BE with a BOM", []byte{0xfe, 0xff, 0x4f, 0x1a, 0x00, 0x09}, "UTF-16"},
		{"UTF-16LE without a BOM", utf16le("消息ID\t消息内容\t发送时间\r\n"), "UTF-16"},
		{"GBK", []byte{0xc4, 0xfa, 0xba, 0xc3}, "GBK/GB18030"},
		{"Latin-1", []byte("caf\xe9"), "another encoding"},
		{"UTF-8", []byte("会话ID,消息内容"), ""},
	} {
		err := CheckUTF8(tc.b)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}
