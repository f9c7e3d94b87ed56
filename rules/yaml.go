package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

var yamlLinePrefix = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlError rewrites yaml.v3's "line N: problem" messages as name:N: problem.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, errors.New(withLine(name, msg)))
		}
		return errors.Join(errs...)
	}
	if m := yamlLinePrefix.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: %w", name, m[1], err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func withLine(name, msg string) string {
	if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
		return name + ":" + m[1] + ": " + msg[len(m[0]):]
	}
	return name + ": " + msg
}

// yamlLine is the line a yaml.v3 message names, or 0.
func yamlLine(msg string) int {
	if m := yamlLinePrefix.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// valueOf returns the value node of key in mapping node m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// item returns the i-th element of sequence node s, or nil.
func item(s *yaml.Node, i int) *yaml.Node {
	if s == nil || s.Kind != yaml.SequenceNode || i >= len(s.Content) {
		return nil
	}
	return s.Content[i]
}

// lineNode returns n, or fallback when n is nil.
func lineNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// lineOr returns the line of n, else of fallback, else 1.
func lineOr(n, fallback *yaml.Node) int {
	switch {
	case n != nil && n.Line > 0:
		return n.Line
	case fallback != nil && fallback.Line > 0:
		return fallback.Line
	}
	return 1
}
