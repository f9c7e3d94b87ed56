// Package yamlnode is what zhiyi's YAML file parsers share — kb.yaml (index), rules.yaml
// (rules), experiments.yaml (experiment), the linter (lint) and the alerts file (alert): they
// decode strictly into structs for the shape, then walk the yaml.v3 node tree for the line of
// each problem, and every problem reads name:line: problem.
//
// # API
//
//	top := yamlnode.Top(&root)                        // a document's top node
//	n := yamlnode.Value(top, "rules")                 // a mapping's value by key (nil: none)
//	k := yamlnode.Key(top, "rules")                   // … or its key node
//	r := yamlnode.Item(n, 2)                          // a sequence's element (nil: none)
//	line := yamlnode.Line(yamlnode.Value(r, "id"), r) // a line to report: the field's, else the rule's, else 1
//	err = yamlnode.Error(name, data, err)                   // yaml.v3's "line N: …" as name:N: …, one error per type error
//	line, msg := yamlnode.SplitLine(err.Error())      // yaml.v3's message apart: 3, "did not find expected key"
//	Senders yamlnode.Strings `yaml:"senders"`        // a list field that keeps a stray "-" as "" (refuse it), in its place
//	ns := yamlnode.Items(list, len(v), yaml.MappingNode, refuse) // v[i]'s node: a stray "-" passed to refuse, not paired
//	yamlnode.Fractional(yamlnode.Value(r, "priority")) // 2.5, which an int field would truncate (2.0 is whole)
//	err = yamlnode.OneDocument(dec, name, "a rules file") // a second document with content after the first, refused
//	err = yamlnode.CheckAliases(name, &root)          // aliases adding over MaxAliasNodes nodes, refused before decoding
//
// Every function takes nil nodes and nodes of the wrong kind, answering nil (or line 1): a
// parser asks for what should be there and reports what is missing at the nearest line.
package yamlnode
