// Package experiment owns A/B answer variants: which of an intent's answers a customer gets,
// which answers are still in their gray release, and what the results say.
//
// # Experiments
//
// Every intent of kb.yaml with two answers or more is an experiment (its id is the intent id)
// whose variants are its answers; the first answer is the control. An answer may carry a
// weight (its share; equal shares when none has one; 0 = not served), gray (a Go duration: a
// new answer runs as a suggestion to agents first) and gray_since (when that period starts;
// by default the bundle's creation time) — see package index.
//
// # Assignment
//
//	set, err := experiment.New(experiment.Config{KB: eng.KB(), Created: eng.Manifest().AnswersFrom(), Overrides: ov})
//	a := set.Assign("track_parcel", req.SenderID)   // ~60 ns, no allocation
//	// a.Answer (the answer to send), a.Experiment, a.Variant (record it), a.Gray (route suggest), a.Excluded
//
// A sender's variant is a hash of (experiment id, sender id) laid on the variants' weights:
// the same on every replica and after every restart, independent between experiments, with no
// state to share. The hash (FNV-1a finished with MurmurHash3's fmix64) is part of the contract:
// a test pins it. A stopped variant's senders are spread over the remaining variants by a
// second hash, in proportion to their weights; every other sender keeps their variant. Senders
// the experiments file excludes (the boss's and test accounts) and senders without an id get
// the control (the first served answer when the control is stopped) and do not count: their
// Assignment has no Variant. AssignSticky keeps a conversation's earlier variant
// (session.State.Experiments) while it is served, so a change of weights does not switch a
// customer mid-conversation. An intent with one answer gets it, with no Experiment.
//
// The variants' shares are laid end to end on the hash line in knowledge-base order, from the
// weights alone (no state to share). A change of weights moves the bounds: share moved between
// two neighbouring variants moves only senders between them, but share moved across a variant
// (50/30/20 → 30/30/40 for a, b, c) shifts the one in between, whose weight did not change: a
// fifth of all senders move a → b and another fifth b → c, where the minimum is a fifth a → c. Only a
// record of earlier bounds could avoid that; ramp a new answer up from its neighbour, or stop
// a variant (which moves its senders alone), and read results per period when weights changed.
//
// # The experiments file
//
// experiments.yaml holds what an operator changes without a retrain — excluded senders,
// stopped variants, early releases from gray, per-experiment weights and the gray release's
// margin (see Overrides for the format). ParseOverrides refuses a bad file with every problem
// as file:line (a weight left blank or ~ among them: a weight is a number, 0 is written 0); New refuses one whose ids the knowledge base does not have. A Set is
// immutable; Live rebuilds one when the knowledge base, the file or the results change and
// swaps it in atomically, and a file that fails to load leaves the old Set serving. Live.SetKB
// never refuses a new knowledge base for an old file: entries it no longer fits are skipped and
// reported (its warnings). zhiyi serve checks the file against a bundle with New before
// switching to it, and refuses one the file fits less well than the serving bundle.
//
// # Gray release
//
// An answer with gray is served (to its share of senders) only as a suggestion — Assignment.Gray
// — until its period has passed and its ratings are shown not worse than the control's: at
// least gray_min_rated ratings each (30) and the lower bound of the always-valid 95 %
// interval of (its mean − the control's mean) not below −gray_margin (0.3 rating points).
// This is a non-inferiority test: "not significantly worse" would release an answer nobody
// has rated. It is judged whenever the Set is built (Live.SetOutcomes on each refresh of the
// results), so the interval must hold over every look, not one: an ordinary 95 % interval
// re-read at every refresh releases an answer at the margin at some look in 17 % of runs, the
// always-valid one (a normal-mixture confidence sequence) in 1.5 % (gray_test.go). The price
// is about 2.4 times the ratings a single planned look would need. A release is sticky: the
// answer returns to gray only when its ratings show it significantly worse than the control
// (the interval's upper bound below 0). Live keeps the releases in memory: after a restart
// each gray answer is judged afresh.
//
// With Outcomes (zhiyi serve's refresh, zhiyi ab) each answer is judged on the ratings since
// its own gray start, without excluded senders, against the control's answers suggested to
// agents — a gray answer is always suggested, and an agent checks and may edit it, so the
// control's automatic answers are not like for like; with fewer than gray_min_rated of those,
// all the control's answers count, and the note says that this favours the new answer. The
// control and an intent's only answer have nothing to be compared with: their gray ends with
// the period.
//
// # Results and statistics
//
// Results (by variant id: served, rated, sum and sum of squares of the ratings, resolved yes
// and known, repeats, new senders by day) come from the decision log; Tally builds them from its
// rows with the store's semantics (a message's latest rating and latest resolved value), and
// selects by time and route. Set.Report gives, per variant, the mean rating with its t
// interval, the resolved share and repeat rate with Wilson intervals, and against the control:
// Welch's t-test on the ratings (the primary metric, which the verdict rests on) and pooled
// two-proportion z-tests on the resolved share and the repeat rate (Fisher's exact test when
// an expected cell is below 5), each with its p-value, significance at α = 0.05 divided by the
// number of variants compared (Bonferroni; the metrics are not corrected against each other),
// the interval of the difference, and the planned sample size per variant: the size that finds
// a difference of the minimum effect (0.3 rating points, 5 percentage points; Config) with
// power 0.8. The plan comes from the minimum effect, not from the observed difference, so "no
// significant difference" is said only at the planned size; below it the verdict is "cannot
// tell yet". A p-value holds for one look at that size, and reading again and again, before it
// or after it, finds a difference in an A/A experiment far more often than α; so the rating's
// test also carries the always-valid interval of the difference (the gray release's
// confidence sequence, Test.SeqLow and SeqHigh), and the verdict calls a winner without a
// caveat only when that interval excludes 0 (Test.Confirmed): the verdict then holds however
// often it is read (peeking_test.go). A change in how new senders were split between the
// variants within the period (Report.Allocation) is reported with the day to read from.
// The distributions (normal, Student's t through the regularised incomplete beta function)
// are written here on the standard library's math and tested against mpmath and scipy. A
// simulation on the sample shop's holdout (sim_test.go) checks that a truly better variant is
// found in 80 % of runs at the planned size, and that equal variants are called different in 5 %.
//
// One caveat the numbers inherit: a customer is the unit of assignment and a message the unit
// of analysis. Ratings of one customer's several messages are not independent; when a few
// customers write much of an experiment's traffic, the tests are somewhat too ready to call a
// difference.
package experiment
