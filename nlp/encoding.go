package nlp

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// CheckUTF8 returns nil for valid UTF-8, and otherwise an error that names the encoding the
// bytes look like (GBK/GB18030, which Chinese Windows tools still write) and how to convert them.
// Callers add the file and line.
func CheckUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	if looksUTF16(b) {
		return errors.New("not UTF-8: the bytes look like UTF-16 (Notepad's \"Unicode\", Excel's \"Unicode 文本\"); save it as UTF-8 (a spreadsheet as \"CSV UTF-8(逗号分隔)\") or convert it (iconv -f UTF-16 -t UTF-8)")
	}
	if looksGB(b) {
		return errors.New("not UTF-8: the bytes look like GBK/GB18030; convert the file first (iconv -f GB18030 -t UTF-8)")
	}
	return errors.New("not UTF-8 (a file in another encoding?); convert it to UTF-8 first")
}

// CheckUTF8Lines is CheckUTF8 for a whole file: nil for valid UTF-8, else the error of the first
// line that is not, as name:line: … (YAML's own message names neither the line nor the
// encoding, and one answer pasted from a GBK document is hard to find in a long file).
func CheckUTF8Lines(name string, data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if err := CheckUTF8(line); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n+1, err)
		}
	}
	return nil
}

// LooksGB reports whether the start of a file reads as GBK/GB18030 text rather than UTF-8: more
// of its lines with non-ASCII bytes are GB18030 and not UTF-8 than are UTF-8, and none is
// neither. A line of GBK can be valid UTF-8 by chance (联通), and a line of UTF-8 Chinese pairs
// up as GBK, so one line decides nothing. The text after the last newline, perhaps cut inside
// a character, is left out.
func LooksGB(b []byte) bool {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	gb, u := 0, 0
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i+1], b[i+1:]
		} else {
			b = nil
		}
		switch {
		case ascii(line):
		case utf8.Valid(line):
			u++
		case looksGB(line):
			gb++
		default:
			return false
		}
	}
	return gb > u
}

// ascii reports whether b is all ASCII.
func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// looksGB reports whether every non-ASCII byte of b pairs up as GBK/GB18030 does: two bytes
// 0x81–0xFE 0x40–0xFE (not 0x7F), or four bytes 0x81–0xFE 0x30–0x39 0x81–0xFE 0x30–0x39.
func looksGB(b []byte) bool {
	seen := false
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c < 0x81 || c == 0xFF || i+1 >= len(b):
			return false
		}
		switch d := b[i+1]; {
		case d >= 0x40 && d <= 0xFE && d != 0x7F:
			i += 2
		case d >= 0x30 && d <= 0x39 && i+3 < len(b) && b[i+2] >= 0x81 && b[i+2] <= 0xFE && b[i+3] >= 0x30 && b[i+3] <= 0x39:
			i += 4
		default:
			return false
		}
		seen = true
	}
	return seen
}

// looksUTF16 reports whether b, which is not UTF-8, starts with a UTF-16 byte order mark or
// holds a NUL, as UTF-16 text with any ASCII in it (digits, tabs, line ends) does; GBK text has
// none.
func looksUTF16(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) || bytes.IndexByte(b, 0) >= 0
}
