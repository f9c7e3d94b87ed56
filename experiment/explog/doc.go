// Package explog reads the A/B experiments' outcomes out of the decision log (package store):
// each variant's decisions and their latest ratings, tallied by experiment.Tally. It is apart
// from package experiment so that deciding with experiments (package reply) does not pull in
// the database drivers: zhiyi ab, serve's gray-release refresh and the console's 实验 page
// import it.
package explog
