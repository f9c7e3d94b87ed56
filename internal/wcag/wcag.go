package wcag

import (
	"fmt"
	"math"
	"strconv"
)

// Luminance is a colour's relative luminance, 0 for black to 1 for white (WCAG 2.x's
// definition, with its 0.03928 threshold).
func Luminance(hex string) (float64, error) {
	s := hex
	if len(s) > 0 && s[0] == '#' {
		s = s[1:]
	}
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if len(s) != 6 || err != nil || hex[0] != '#' {
		return 0, fmt.Errorf("wcag: %q is not a colour written #rgb or #rrggbb", hex)
	}
	lin := func(c uint64) float64 {
		f := float64(c) / 255
		if f <= 0.03928 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff) + 0.7152*lin(v>>8&0xff) + 0.0722*lin(v&0xff), nil
}

// Contrast is the contrast ratio of two colours, from 1 (the same) to 21 (black on white):
// text needs 4.5 (AA), large text and what one needs to see of a graphic 3 (SC 1.4.11).
func Contrast(a, b string) (float64, error) {
	la, err := Luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := Luminance(b)
	if err != nil {
		return 0, err
	}
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05), nil
}
