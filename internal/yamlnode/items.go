package yamlnode

import "gopkg.in/yaml.v3"

// Items pairs the items of sequence node list with the n values yaml.v3 decoded from it, and
// returns each value's node (nil when there is none to give). yaml.v3 leaves out of a decoded
// list an item that is null (a stray "-", "~") or not of the element's kind (a wrong type, which
// it reports), so by index the values after such an item would be paired with their
// neighbour's node and reported at its line. Here only items of kind (after following an alias)
// are paired, and null calls null with the item's index and node, for the caller to refuse it at
// its own line: it was begun and never written. Use Strings instead where the decoded type may
// change; Items is for lists of mappings decoded strictly, and for public fields.
func Items(list *yaml.Node, n int, kind yaml.Kind, null func(i int, item *yaml.Node)) []*yaml.Node {
	out := make([]*yaml.Node, 0, n)
	if list != nil && list.Kind == yaml.SequenceNode {
		for i, item := range list.Content {
			v := item
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			switch {
			case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null":
				if null != nil {
					null(i, item)
				}
			case v.Kind == kind && len(out) < n:
				out = append(out, item)
			}
		}
	}
	for len(out) < n { // not expected: the caller reports at the list's or its parent's line
		out = append(out, nil)
	}
	return out
}
