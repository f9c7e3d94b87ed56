package wcag

import (
	"math"
	"testing"
)

func TestContrast(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000", "#fff", 21},
		{"#ffffff", "#FFFFFF", 1},
		{"#767676", "#fff", 4.54}, // the lightest grey with AA text contrast on white
		{"#fff", "#777777", 4.48}, // one step lighter: under 4.5, either way round
		{"#4682b4", "#ffffff", 4.11},
		{"#87b5dc", "#fff", 2.17},
	} {
		got, err := Contrast(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 0.005 {
			t.Errorf("Contrast(%s, %s) = %.3f, %v; want %.2f", c.a, c.b, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "#", "fff", "#ffff", "#12345g", "#1234567", "red", "#-12345"} {
		if _, err := Contrast(bad, "#fff"); err == nil {
			t.Errorf("Contrast(%q, #fff): no error", bad)
		}
	}
}
