package experiment

import (
	"fmt"
	"math"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// GrayReason says why a variant is, or is no longer, in its gray release (GrayStatus.Reason).
type GrayReason uint8

// The reasons, in the order judgeGray reaches them.
const (
	GrayNone            GrayReason = iota // no gray period
	GrayFileReleased                      // the experiments file released it
	GrayStartUnknown                      // gray until released: no gray_since and no bundle time
	GrayInPeriod                          // in its period until Until: suggested to agents only
	GrayPeriodOver                        // released at the period's end: the control or an only answer, nothing to compare with
	GrayStaysBack                         // sent back earlier on its automatic answers' ratings: gray until the file releases it
	GraySentBack                          // sent back now: its automatic answers rate significantly worse (High < 0)
	GrayStaysReleased                     // released earlier on its ratings, and not significantly worse now
	GrayAwaitingRatings                   // period over, fewer than MinRated ratings on a side
	GrayIncomparable                      // the ratings cannot be compared
	GrayRatedReleased                     // released now: the lower bound is within −Margin
	GrayMayBeWorse                        // the lower bound is below −Margin: it may be worse
)

// grayReasonNames are the reasons as the JSON reports name them (gray_reason).
var grayReasonNames = [...]string{"", "file_released", "start_unknown", "in_period", "period_over", "stays_back",
	"sent_back", "stays_released", "awaiting_ratings", "incomparable", "rated_released", "may_be_worse"}

// String returns the reason's name as the JSON reports give it ("in_period", "rated_released").
func (r GrayReason) String() string {
	if int(r) < len(grayReasonNames) {
		return grayReasonNames[r]
	}
	return fmt.Sprintf("GrayReason(%d)", r)
}

// MarshalText implements encoding.TextMarshaler: the reason's name.
func (r GrayReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// GrayBasis is which ratings a gray answer was judged on.
type GrayBasis uint8

// The bases; see Set.grayRatings.
const (
	GrayBasisResults   GrayBasis = iota // Config.Results: all time, every route (no Outcomes)
	GrayBasisSuggested                  // answers suggested to agents since Since
	GrayBasisAutomatic                  // answers sent automatically since Since (a released answer)
	GrayBasisAll                        // all answers since Since: the control had only ControlSuggested rated suggested ones, fewer than MinRated (favours the gray answer)
)

// GrayStatus is the gray release's verdict on a variant with the numbers behind it, for a
// reader to word: Note words it in English (the CLI, the JSON's gray_note); the console words
// it in Chinese. Fields beyond Reason and Until are set where the reason uses them.
type GrayStatus struct {
	Reason GrayReason
	Until  time.Time // the period's end; zero when its start is unknown

	// The ratings compared (GraySentBack … GrayMayBeWorse): the variant's and the control's
	// mean and count, on Basis since Since.
	Mean, ControlMean   float64
	Rated, ControlRated int64
	Basis               GrayBasis
	Since               time.Time
	ControlSuggested    int64 // with GrayBasisAll: the control's rated suggested answers

	// The always-valid interval of (Mean − ControlMean) at Level, and the margin it is held to.
	Level, Low, High, Margin float64
	MinRated                 int
}

// LevelPercent is the interval's level as a percentage, to one decimal (95, 97.5).
func (g GrayStatus) LevelPercent() float64 { return math.Round(g.Level*1000) / 10 }

// Note words g in English for the variant id.
func (g GrayStatus) Note(id string) string {
	level := fmt.Sprintf("%g %%", g.LevelPercent())
	rated := fmt.Sprintf("rated %.2f (%d) against the control's %.2f (%d)%s", g.Mean, g.Rated, g.ControlMean, g.ControlRated, g.basisNote())
	switch g.Reason {
	case GrayFileReleased:
		return "released in the experiments file"
	case GrayStartUnknown:
		return "gray: the period's start is unknown (no gray_since, no bundle time): gray until released"
	case GrayInPeriod:
		return "gray until " + g.Until.In(period.CST).Format("2006-01-02 15:04 MST") + ": suggested to agents only"
	case GrayPeriodOver:
		return "released: gray period over (nothing to compare the control with)"
	case GrayStaysBack:
		return "back to gray: its automatic answers rated significantly worse than the control's; it stays gray until the experiments file releases it"
	case GraySentBack:
		return fmt.Sprintf("back to gray: %s; the difference's always-valid %s interval [%+.2f, %+.2f] is below 0: significantly worse",
			rated, level, g.Low, g.High)
	case GrayStaysReleased:
		return fmt.Sprintf("released on its ratings, and stays so unless they show it significantly worse than the control: %s; always-valid %s interval [%+.2f, %+.2f]",
			rated, level, g.Low, g.High)
	case GrayAwaitingRatings:
		return fmt.Sprintf("gray: period over, waiting for ratings (%d of %d for %s, %d of %d for the control%s)",
			g.Rated, g.MinRated, id, g.ControlRated, g.MinRated, g.basisNote())
	case GrayIncomparable:
		return "gray: ratings cannot be compared"
	case GrayRatedReleased:
		return fmt.Sprintf("released: %s; the difference's always-valid %s lower bound %+.2f is within -%.2f",
			rated, level, g.Low, g.Margin)
	case GrayMayBeWorse:
		return fmt.Sprintf("gray: %s; the difference's always-valid %s lower bound %+.2f is below -%.2f, it may be worse",
			rated, level, g.Low, g.Margin)
	}
	return ""
}

// basisNote words which ratings were compared, as a clause that follows them.
func (g GrayStatus) basisNote() string {
	since := g.Since.In(period.CST).Format("2006-01-02 15:04")
	switch g.Basis {
	case GrayBasisSuggested:
		return ", answers suggested to agents since " + since
	case GrayBasisAutomatic:
		return ", answers sent automatically since " + since
	case GrayBasisAll:
		return fmt.Sprintf(", all answers since %s: the control has %d rated answers suggested to agents, fewer than %d, so its automatic ones count too, which favours the agent-checked gray answer",
			since, g.ControlSuggested, g.MinRated)
	}
	return ""
}
