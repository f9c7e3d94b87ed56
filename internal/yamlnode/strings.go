package yamlnode

import (
	"errors"

	"gopkg.in/yaml.v3"
)

// Strings is a YAML list of strings that keeps a null item (a stray "-", "~") as "", in its
// place. yaml.v3 leaves null items out of a []string, so a list whose only entry was a stray
// "-" read as no list (a rule's scope of senders became every sender), and the items after one
// were paired with the wrong lines by Item. As "", a null item is refused where an empty entry
// is, at its own line. A value that is not a list, or an item that is not text, is yaml.v3's
// *yaml.TypeError, as for a []string.
type Strings []string

// UnmarshalYAML decodes a list of strings, null items as "".
func (l *Strings) UnmarshalYAML(n *yaml.Node) error {
	var items []yaml.Node
	if err := n.Decode(&items); err != nil {
		return err
	}
	out := make(Strings, len(items))
	var bad []string
	for i := range items {
		if items[i].ShortTag() == "!!null" {
			continue
		}
		var te *yaml.TypeError
		if err := items[i].Decode(&out[i]); errors.As(err, &te) {
			bad = append(bad, te.Errors...)
		} else if err != nil {
			return err
		}
	}
	*l = out
	if len(bad) > 0 {
		return &yaml.TypeError{Errors: bad}
	}
	return nil
}
