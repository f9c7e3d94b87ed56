package main

import "testing"

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
