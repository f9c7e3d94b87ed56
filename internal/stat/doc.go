// Package stat holds the small statistics more than one part of zhiyi needs: the Wilson score
// interval of a share, which the alerts (is a handoff share clearly over its threshold?) and the
// A/B reports (a variant's resolved share) both compute.
package stat
