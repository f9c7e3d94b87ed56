// Package promtext reads the Prometheus text exposition format /metrics writes, far enough to
// hold it to the conventions dashboards rely on: a family's lines together, a # TYPE line for
// each, _total on counters and on nothing else. zhiyi's tests check their /metrics with it, and
// scripts/metricsdoc compares the names it finds with the documented ones.
//
// It is a test and script aid, not a parser for scrapes: it reads lines and names, not values,
// timestamps or escapes; github.com/prometheus/common/expfmt would bring the Prometheus client's
// modules into go.mod for that alone.
package promtext
