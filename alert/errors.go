package alert

import (
	"errors"
	"fmt"
	"strings"
)

// ConfigError lists every problem found in alert rules, targets or an --alerts file, so that an
// operator fixes them in one pass. Problems from a file name file:line. New, NewEvaluator,
// LoadFile and Flags.Config return it (test with errors.As).
type ConfigError struct {
	Problems []Problem
}

// Problem is one thing wrong in a configuration.
type Problem struct {
	File string // empty when the configuration was built in Go or from flags
	Line int    // 0 when unknown
	Msg  string
}

// String is the problem as file:line: message, leaving out what is unknown.
func (p Problem) String() string {
	switch {
	case p.File != "" && p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	case p.File != "":
		return p.File + ": " + p.Msg
	}
	return p.Msg
}

// Error lists every problem, each as Problem.String gives it.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "alert: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "alert: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// add records a problem.
func (e *ConfigError) add(file string, line int, format string, args ...any) {
	e.Problems = append(e.Problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// err is e when it holds a problem, else nil.
func (e *ConfigError) err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// ErrClosed is returned by Alerter.Flush once Close has been called.
var ErrClosed = errors.New("alert: alerter closed")
