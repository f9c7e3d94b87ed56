package yamlnode

import (
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// NextDocument reads the rest of a one-document file from dec, after its first document, and
// returns the line of a further document that holds something (0 when none does). yaml.v3
// decodes one document at a time, so a section pasted after "---" would be ignored; an empty
// document — a file ending in "---", or a "---" followed by comments — ignores nothing and is
// no reason to refuse a file.
func NextDocument(dec *yaml.Decoder) (int, error) {
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return 0, nil
		} else if err != nil {
			return 0, err
		}
		if !emptyDocument(&doc) {
			return doc.Line, nil
		}
	}
}

func emptyDocument(doc *yaml.Node) bool {
	switch {
	case doc.Kind == 0:
		return true
	case doc.Kind != yaml.DocumentNode:
		return false
	case len(doc.Content) == 0:
		return true
	}
	n := doc.Content[0]
	return len(doc.Content) == 1 && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && n.Value == ""
}
