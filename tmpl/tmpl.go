package tmpl

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// MaxValueBytes is the longest value Fill inserts for one placeholder, in UTF-8 bytes (64
// Chinese characters); longer values are cut at a character boundary.
const MaxValueBytes = 192

// maxNameLen bounds a placeholder's name.
const maxNameLen = 32

// Template is a parsed answer text. It is immutable and safe for concurrent use.
type Template struct {
	src   string
	parts []part // nil when src has no placeholders
}

// part is a literal (name == "") or a placeholder.
type part struct {
	lit      string
	name     string
	fallback string
}

// SyntaxError is a malformed placeholder; Offset is the byte offset of its "{{" (or of the stray
// "}}") in the template.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error names the byte offset and the problem.
func (e *SyntaxError) Error() string { return fmt.Sprintf("byte %d: %s", e.Offset, e.Msg) }

// Parse parses a template. The error, if any, is a *SyntaxError.
func Parse(src string) (*Template, error) {
	t := &Template{src: src}
	if !strings.Contains(src, "{{") && !strings.Contains(src, "}}") {
		return t, nil
	}
	var parts []part
	rest, off := src, 0
	for {
		open := strings.Index(rest, "{{")
		if c := strings.Index(rest, "}}"); c >= 0 && (open < 0 || c < open) {
			return nil, &SyntaxError{off + c, `"}}" without "{{"`}
		}
		if open < 0 {
			if rest != "" {
				parts = append(parts, part{lit: rest})
			}
			break
		}
		if open > 0 {
			parts = append(parts, part{lit: rest[:open]})
		}
		end := strings.Index(rest[open+2:], "}}")
		if end < 0 {
			return nil, &SyntaxError{off + open, `"{{" without "}}"`}
		}
		inner := rest[open+2 : open+2+end]
		p, err := parsePlaceholder(inner)
		if err != nil {
			return nil, &SyntaxError{off + open, fmt.Sprintf("placeholder {{%s}}: %s", inner, err)}
		}
		parts = append(parts, p)
		n := open + 2 + end + 2
		rest, off = rest[n:], off+n
	}
	t.parts = parts
	return t, nil
}

// MustParse is Parse for templates known to be valid (tests, constants); it panics on an error.
func MustParse(src string) *Template {
	t, err := Parse(src)
	if err != nil {
		panic("tmpl: " + err.Error())
	}
	return t
}

func parsePlaceholder(inner string) (part, error) {
	name, fallback, hasFallback := strings.Cut(inner, "|")
	name = strings.TrimSpace(name)
	if name == "" {
		return part{}, fmt.Errorf("empty name")
	}
	if len(name) > maxNameLen {
		return part{}, fmt.Errorf("name longer than %d bytes", maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '_')) {
			return part{}, fmt.Errorf("name %q must match [a-z][a-z0-9_]*", name)
		}
	}
	if hasFallback {
		fallback = strings.TrimSpace(fallback)
		if strings.ContainsAny(fallback, "{}|") {
			return part{}, fmt.Errorf("fallback %q may not contain '{', '}' or '|'", fallback)
		}
		if fallback == "" {
			return part{}, fmt.Errorf("empty fallback (leave out the '|' for none)")
		}
	}
	return part{name: name, fallback: fallback}, nil
}

// String returns the template's source text.
func (t *Template) String() string { return t.src }

// Static reports whether the template has no placeholders (Fill returns its text as it is).
func (t *Template) Static() bool { return t.parts == nil }

// Placeholder is one placeholder of a template, as written.
type Placeholder struct {
	Name, Fallback string // Fallback is "" when there is none
}

// Placeholders lists the template's placeholders in order.
func (t *Template) Placeholders() []Placeholder {
	var out []Placeholder
	for _, p := range t.parts {
		if p.name != "" {
			out = append(out, Placeholder{p.name, p.fallback})
		}
	}
	return out
}

// MaxLen is the longest text Fill can return, in bytes: the literal text, and each placeholder
// at MaxValueBytes or its fallback, whichever is longer.
func (t *Template) MaxLen() int {
	if t.parts == nil {
		return len(t.src)
	}
	n := 0
	for _, p := range t.parts {
		if p.name == "" {
			n += len(p.lit)
		} else {
			n += max(MaxValueBytes, len(p.fallback))
		}
	}
	return n
}

// Fill returns the text with each placeholder replaced by its sanitised value from vars, else
// its fallback, else nothing. vars may be nil.
func (t *Template) Fill(vars map[string]string) string {
	if t.parts == nil {
		return t.src
	}
	b := t.AppendFill(make([]byte, 0, len(t.src)+32), vars)
	if len(b) == 0 {
		return ""
	}
	// As strings.Builder does: b is never written again, so the string may share it.
	return unsafe.String(&b[0], len(b))
}

// AppendFill appends the filled text to dst and returns the extended slice.
func (t *Template) AppendFill(dst []byte, vars map[string]string) []byte {
	if t.parts == nil {
		return append(dst, t.src...)
	}
	for _, p := range t.parts {
		if p.name == "" {
			dst = append(dst, p.lit...)
			continue
		}
		n := len(dst)
		if v, ok := vars[p.name]; ok {
			dst = AppendSanitized(dst, v)
		}
		if len(dst) == n {
			dst = append(dst, p.fallback...)
		}
	}
	return dst
}

// AppendSanitized appends v made safe for a chat message (see the package doc: no control,
// zero-width or bidi characters, one line, spaces collapsed and trimmed, at most MaxValueBytes)
// to dst.
func AppendSanitized(dst []byte, v string) []byte {
	start := len(dst)
	space := false
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == 0x85 ||
			r == 0x2028 || r == 0x2029 || unicode.IsSpace(r):
			space = true
			continue
		case dropped(r):
			continue
		}
		if space && len(dst) > start {
			if len(dst)-start+1+size > MaxValueBytes {
				break
			}
			dst = append(dst, ' ')
		}
		space = false
		if len(dst)-start+size > MaxValueBytes {
			break
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// dropped reports whether r never belongs in a chat value: control characters, zero-width
// characters and the BOM, bidirectional controls (they can make text read backwards), and
// variation selectors and other format characters.
func dropped(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
		return true
	case r == 0x200b || r == 0x200c || r == 0x200d || r == 0x2060 || r == 0xfeff:
		return true
	case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f:
		return true
	}
	return unicode.Is(unicode.Cf, r)
}
