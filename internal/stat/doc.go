// Package stat holds the small statistics more than one part of zhiyi needs: the Wilson score
// interval of a share, which the alerts (is a handoff share clearly over its threshold?) and the
// A/B reports (a variant's resolved share) both compute; and PercentText, how every page shows a
// share (the evaluation report, the dashboard, the console), never rounding a share that is not
// 1 to 100 % or one that is not 0 to 0 %.
package stat
