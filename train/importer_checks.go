package train

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// What Import checks besides the formats: line lengths, encodings.

// readLine reads one line into buf and returns it with its size; a line over max bytes (max >= 0)
// is read to its end and dropped, and comes back nil with its size.
func readLine(br *bufio.Reader, buf []byte, max int) ([]byte, int, error) {
	size := 0
	drop := false
	for {
		chunk, err := br.ReadSlice('\n')
		size += len(chunk)
		if max >= 0 && size > max {
			drop = true
		}
		if !drop {
			buf = append(buf, chunk...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if drop {
				return nil, size, err
			}
			if buf == nil {
				buf = []byte{}
			}
			return buf, size, err
		}
	}
}

// notUTF8 describes bytes that are not UTF-8, naming the encoding they look like.
func notUTF8(b []byte) error {
	if looksGB(b) {
		return errors.New("not UTF-8: the bytes look like GBK/GB18030; convert the file first (iconv -f GB18030 -t UTF-8)")
	}
	return errors.New("not UTF-8 (an export in another encoding?); convert the file to UTF-8 first")
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

// checkDecoded rejects text an exporter decoded with the wrong encoding: three or more U+FFFD
// replacement characters, or a fifth of the text.
func checkDecoded(text string) error {
	bad := strings.Count(text, "\ufffd")
	if bad == 0 {
		return nil
	}
	if n := utf8.RuneCountInString(text); bad >= 3 || 5*bad >= n {
		return fmt.Errorf("%d of %d characters are U+FFFD: the export was decoded with the wrong encoding", bad, n)
	}
	return nil
}
