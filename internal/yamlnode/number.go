package yamlnode

import (
	"math"

	"gopkg.in/yaml.v3"
)

// Fractional reports whether n is a float that is no whole number (2.5, .nan, .inf), which
// yaml.v3 would truncate into an int field. A whole number written as a float (2.0, 1e1) is the
// number it says and decodes into an int as it is: refusing it would refuse files that load.
func Fractional(n *yaml.Node) bool {
	if n == nil || n.ShortTag() != "!!float" {
		return false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return true
	}
	return math.IsInf(f, 0) || f != math.Trunc(f)
}
