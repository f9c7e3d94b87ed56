package board

import "regexp"

// Palette is the colours series take in order when they name none. Each has at least 3:1
// contrast with white, the background the charts are drawn on (WCAG 2.1 SC 1.4.11, non-text
// contrast): a column, a line or a legend key in it can be seen against the page.
var Palette = []string{"#4682b4", "#dc143c", "#228b22", "#c86400", "#8a2be2", "#708090", "#008b8b", "#b8860b"}

// Colours of the dashboard's meanings, shared by the page and the console; each has at least
// 3:1 contrast with white, as the Palette's (TestPaletteContrast).
const (
	ColorVolume  = "#4682b4" // messages, answered automatically (4.11:1)
	ColorSuggest = "#1a8f89" // suggested to an agent (3.94:1; was #87b5dc, 2.17:1)
	ColorBad     = "#dc143c" // unrecognised, bad ratings: what must stand out (4.99:1)
	ColorHandoff = "#c86400" // handed off (3.98:1; was #ff8c00, 2.33:1)
	ColorGood    = "#228b22" // resolved (4.39:1)
	ColorRating  = "#8a2be2" // mean rating (5.96:1)
	ColorRepeat  = "#708090" // repeats (4.05:1)
	ColorMuted   = "#8a8a8a" // stopped, out of play (3.45:1; was #b0b0b0, 2.17:1)
)

// colorAxis is the x axis's line, which the columns stand on (4.54:1). The grid's lines
// (class grid) are lighter: decoration, which a reader does not need to see.
const colorAxis = "#767676"

// Series are told apart by more than their colour: a LineChart's k-th series is drawn with
// dashes[k] (the legend's key too), a ColumnChart's with the k-th of patterns.
var dashes = []string{"", "7 4", "2 3", "9 3 2 3"}

// dash is the stroke-dasharray attribute of a line chart's k-th series ("" for the first, solid).
func dash(k int) string {
	if d := dashes[k%len(dashes)]; d != "" {
		return ` stroke-dasharray="` + d + `"`
	}
	return ""
}

// patterns are what a ColumnChart's k-th series is filled with, in the series' colour with
// white cut out of it (a 5-unit tile): solid, diagonal stripes, dots, horizontal stripes. The
// white is the chart's background: it draws no mark of its own.
var patterns = []string{
	"",
	`<path d="M0 0h5v5h-5z" fill="%[1]s"/><path d="M0 5L5 0M-1 1L1 -1M4 6L6 4" fill="none" stroke="#fff" stroke-width="1.4"/>`,
	`<path d="M0 0h5v5h-5z" fill="%[1]s"/><circle cx="2.5" cy="2.5" r="1.1" fill="#fff"/>`,
	`<path d="M0 0h5v5h-5z" fill="%[1]s"/><path d="M0 2.5h5" fill="none" stroke="#fff" stroke-width="1.4"/>`,
}

var colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func color(c string, i int) string {
	if colorRe.MatchString(c) {
		return c
	}
	return Palette[i%len(Palette)]
}
