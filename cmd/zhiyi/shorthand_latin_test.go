package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestWrittenInLatinIgnoresPlaceholders: masked data (<NAME> <PHONE> <ADDR>) is no English; a
// Chinese message that gives it beside shorthand is still read for shorthand.
func TestWrittenInLatinIgnoresPlaceholders(t *testing.T) {
	for s, want := range map[string]bool{
		"<NAME> <PHONE> sf到付 <ADDR>":          false,
		"邮箱<EMAIL> 电话<PHONE> 地址<ADDR> kd到了吗":  false,
		"where is my order please":            true,
		"hi, can you ship it to <ADDR> today": true,
	} {
		if got := writtenInLatin(s); got != want {
			t.Errorf("writtenInLatin(%q) = %v, want %v", s, got, want)
		}
	}
}

// An example never cuts a placeholder in half: 「…NAME> <PHONE> sf到付」 read as broken text.
func TestShorthandExampleKeepsPlaceholdersWhole(t *testing.T) {
	whole := regexp.MustCompile(`<[A-Z]+>`)
	for _, s := range []string{
		"收件人<NAME> <PHONE> sf到付 广东省深圳市<ADDR> 谢谢亲",
		"广东省深圳市南山区<ADDR> <NAME> <PHONE> sf到付",
		"单号<ORDER>的kd到哪了<PHONE>",
	} {
		i := strings.Index(s, "sf")
		if i < 0 {
			i = strings.Index(s, "kd")
		}
		ex := shorthandExample(s, i, i+2)
		if rest := whole.ReplaceAllString(ex, ""); strings.ContainsAny(rest, "<>") {
			t.Errorf("shorthandExample(%q) = %q: a placeholder cut in half", s, ex)
		}
	}
}
