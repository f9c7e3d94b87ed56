package rules

import (
	"slices"
	"strings"
	"testing"
)

// A department written with a leading zero ("08") loads, as ids always have, but never matches:
// WeCom gives the agent's departments as whole numbers (8). It is named at its line.
func TestDepartmentWithALeadingZeroWarns(t *testing.T) {
	const file = `version: 1
rules:
  - id: b2b
    match: {text: {contains: [发票]}}
    scope:
      departments: ["8", "08", "0"]
    action: {answer: 对公开票请联系财务}
`
	s, err := Parse([]byte(file), "rules.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`rules.yaml:6: rule "b2b": scope.departments: "08" never matches: WeCom gives a department id as a whole number (8)`}
	if got := s.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		depts []string
		fires bool
	}{{[]string{"8"}, true}, {[]string{"0"}, true}, {[]string{"80"}, false}} {
		m := s.Match(&Input{Text: "要开发票", Channel: "wecom", DeptIDs: tt.depts})
		if fired := m != nil && m.ID == "b2b"; fired != tt.fires {
			t.Errorf("departments %s: fired %v, want %v", strings.Join(tt.depts, ","), fired, tt.fires)
		}
	}
}
