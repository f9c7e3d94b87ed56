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
