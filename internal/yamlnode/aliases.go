package yamlnode

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// MaxAliasNodes is how many nodes the aliases (*name) of one file may add to it once they are
// expanded. A real file adds a few hundred (one list of senders named in ten rules); a file
// of aliases to aliases (a "billion laughs") or of many aliases to one long list adds
// millions from a few kilobytes.
//
// yaml.v3 refuses such a file itself ("excessive aliasing") while it decodes into plain
// fields, but a field with its own UnmarshalYAML (Strings) is decoded by a fresh decoder that
// counts from zero: 3,000 rules naming one list of 3,000 keywords — a 38 KB rules file — took
// 40 s and 330 MB to refuse, and a 1 MB one would not finish. Parsers whose documents hold
// such fields call CheckAliases before they decode.
const MaxAliasNodes = 100_000

// CheckAliases returns an error naming name:line of the alias at which the aliases of the
// document root (yaml.Unmarshal into a yaml.Node, which expands nothing) add more than
// MaxAliasNodes nodes, or of an anchor that contains an alias to itself; nil otherwise.
func CheckAliases(name string, root *yaml.Node) error {
	c := aliasCounter{sizes: map[*yaml.Node]int{}}
	if bad := c.walk(root); bad != nil {
		if c.cycle {
			return fmt.Errorf("%s:%d: alias *%s is inside the anchor it names", name, Line(bad, nil), bad.Value)
		}
		return fmt.Errorf("%s:%d: the aliases up to *%s add more than %d nodes once expanded (yamlnode.MaxAliasNodes); write the lists out, or name fewer of them",
			name, Line(bad, nil), bad.Value, MaxAliasNodes)
	}
	return nil
}

// aliasCounter adds up, in document order, the nodes the aliases expand to.
type aliasCounter struct {
	sizes map[*yaml.Node]int // a node's expanded size, at most MaxAliasNodes+1; -1 while it is counted
	added int
	cycle bool
}

// walk visits the nodes written in the file and returns the first alias past the limit.
func (c *aliasCounter) walk(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		c.added = capped(c.added + c.size(n.Alias))
		if c.cycle || c.added > MaxAliasNodes {
			return n
		}
		return nil
	}
	for _, k := range n.Content {
		if bad := c.walk(k); bad != nil {
			return bad
		}
	}
	return nil
}

// size is the number of nodes n stands for with its aliases expanded, capped at
// MaxAliasNodes+1 so that nested aliases cannot overflow; each node is counted once.
func (c *aliasCounter) size(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := c.sizes[n]; ok {
		if s < 0 {
			c.cycle = true
			return MaxAliasNodes + 1
		}
		return s
	}
	c.sizes[n] = -1
	s := 1
	if n.Kind == yaml.AliasNode {
		s = c.size(n.Alias)
	}
	for _, k := range n.Content {
		s = capped(s + c.size(k))
	}
	c.sizes[n] = s
	return s
}

func capped(n int) int { return min(n, MaxAliasNodes+1) }
