package train

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/lintcore"
	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// ErrKBFindings is returned (wrapped) by Run when the knowledge base has findings of package
// lint (the advertising law's absolute terms, promises and medical claims, over-long answers,
// unused waivers) that no waiver in the file covers: a bundle ships its answers to customers.
var ErrKBFindings = errors.New("train: the knowledge base has lint findings")

// lintKB refuses a knowledge base with findings, naming each by file:line:column and term. It
// runs package lint's checks through internal/lintcore: package lint imports package rules,
// whose tests train bundles, so train importing lint would be an import cycle in those tests.
func lintKB(path string) error {
	findings, err := lintcore.KBFile(path)
	if err != nil {
		return err
	}
	if len(findings) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d finding(s) in %s; reword each answer, or waive the term next to it with a reason "+
		"(waive: [{term: …, reason: …}] under the answer, see `zhiyi lint`); length findings cannot be "+
		"waived and an unused waiver is removed:", len(findings), path)
	for _, f := range findings {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return fmt.Errorf("%w: %s", ErrKBFindings, b.String())
}

// CheckKB refuses a knowledge base (read by index.LoadKB already) that train would refuse beyond
// the lint's findings: examples YAML folded into one (ErrKBFoldedExamples), answers still the
// new-intent stub's (ErrKBStubAnswer) and an example under two intents (ErrKBSharedExample).
// zhiyi lint runs it too, so that a knowledge base lint passes does not stop train.
func CheckKB(path string) error {
	if err := refuseFoldedExamples(path); err != nil {
		return err
	}
	if err := refuseStubAnswers(path); err != nil {
		return err
	}
	return refuseSharedExamples(path)
}

// ErrKBFoldedExamples is returned (wrapped) by Run when an example of the knowledge base is
// several list items YAML folded into one: valid YAML, and eight example questions silently
// trained as one.
var ErrKBFoldedExamples = errors.New("train: an example of the knowledge base runs over several lines")

// refuseFoldedExamples refuses a knowledge base (read by index.LoadKB already) with an example
// folded from several lines holding list items ("     - 能刻字吗" one space short of the items
// after it reads them all as one example, "能刻字吗 - 紫砂壶可以定制名字吗 - …"), naming each by
// path:line. It is train's check, not index.ParseKB's: a bundle trained before it still loads.
func refuseFoldedExamples(path string) error {
	data, intents, err := kbFileIntents(path)
	if err != nil {
		return err
	}
	var found []string
	eachExample(intents, func(id string, ex *yaml.Node) {
		if foldedItems(data, ex) {
			found = append(found, fmt.Sprintf("%s:%d: intent %q: example %q runs over several lines, read as one example: a list item indented unlike the others?", path, ex.Line, id, ex.Value))
		}
	})
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%w (each example is one line, \"- text\", all at the same indentation; quote an example that holds \" - \"):\n  %s",
		ErrKBFoldedExamples, strings.Join(found, "\n  "))
}

// foldedItems reports whether n is a plain scalar that YAML folded from several lines holding
// list items: its value, which holds " - ", is not on its first line.
func foldedItems(data []byte, n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.ScalarNode || n.Style != 0 || n.Line < 1 || !strings.Contains(n.Value, " - ") {
		return false
	}
	lines := bytes.SplitN(data, []byte("\n"), n.Line+1)
	if len(lines) < n.Line {
		return false
	}
	return !bytes.Contains(lines[n.Line-1], []byte(n.Value))
}

// ErrKBStubAnswer is returned (wrapped) by Run when an answer of the knowledge base is still the
// new-intent stub's placeholder (stubPlaceholder): the stub was pasted into kb.yaml before its
// answer was written, and the bundle would send customers "（请填写答案）".
var ErrKBStubAnswer = errors.New("train: the knowledge base has answers still to write")

// refuseStubAnswers refuses a knowledge base (read by index.LoadKB already) whose answers hold
// the stub's placeholder, naming each by path:line and intent. It is train's check, not
// index.ParseKB's: a bundle trained before it still loads, and the stub file itself is not a
// knowledge base.
func refuseStubAnswers(path string) error {
	intents, err := kbIntents(path)
	if err != nil {
		return err
	}
	var found []string
	for i := 0; yamlnode.Item(intents, i) != nil; i++ {
		in := yamlnode.Item(intents, i)
		id := yamlnode.Value(in, "id")
		answers := yamlnode.Value(in, "answers")
		for j := 0; yamlnode.Item(answers, j) != nil; j++ {
			text := yamlnode.Value(yamlnode.Item(answers, j), "text")
			if text != nil && strings.Contains(text.Value, stubPlaceholder) {
				name := ""
				if id != nil {
					name = id.Value
				}
				found = append(found, fmt.Sprintf("%s:%d: intent %q: the answer is still the stub's %s", path, text.Line, name, stubPlaceholder))
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%w (write each answer where it is named; customers would be sent %s):\n  %s",
		ErrKBStubAnswer, stubPlaceholder, strings.Join(found, "\n  "))
}

// ErrKBSharedExample is returned (wrapped) by Run when one example question of the knowledge base
// stands under two intents: an example teaches the classifier and the index one intent, and
// under two it teaches both that the other is wrong.
var ErrKBSharedExample = errors.New("train: an example of the knowledge base is under two intents")

// refuseSharedExamples refuses a knowledge base (read by index.LoadKB already) with an example
// under two intents, naming both places. Examples are compared as the analyzer reads them
// (normalised and folded: 轉人工 is 转人工), so a copy in the other script counts too; the same
// example twice within one intent is index.ParseKB's to refuse (a traditional copy there is
// allowed).
func refuseSharedExamples(path string) error {
	intents, err := kbIntents(path)
	if err != nil {
		return err
	}
	type place struct {
		intent string
		line   int
	}
	first := map[string]place{}
	var found []string
	eachExample(intents, func(id string, ex *yaml.Node) {
		key := nlp.Fold(nlp.Normalize(strings.TrimSpace(ex.Value)))
		if key == "" {
			return
		}
		p, seen := first[key]
		switch {
		case !seen:
			first[key] = place{id, ex.Line}
		case p.intent != id:
			found = append(found, fmt.Sprintf("%s:%d: example %q of intent %q is also under intent %q (line %d)", path, ex.Line, ex.Value, id, p.intent, p.line))
		}
	})
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%w (keep each under the one intent it asks for):\n  %s", ErrKBSharedExample, strings.Join(found, "\n  "))
}

// eachExample calls fn with each example node of the knowledge base's intents node and its
// intent's id ("" when it has none), in the file's order.
func eachExample(intents *yaml.Node, fn func(id string, ex *yaml.Node)) {
	for i := 0; yamlnode.Item(intents, i) != nil; i++ {
		in := yamlnode.Item(intents, i)
		id := ""
		if n := yamlnode.Value(in, "id"); n != nil {
			id = n.Value
		}
		examples := yamlnode.Value(in, "examples")
		for j := 0; yamlnode.Item(examples, j) != nil; j++ {
			fn(id, yamlnode.Item(examples, j))
		}
	}
}

// kbIntents returns the intents node of the knowledge base at path (read by index.LoadKB already),
// nil when it has none or does not parse: index.LoadKB names those problems.
func kbIntents(path string) (*yaml.Node, error) {
	_, intents, err := kbFileIntents(path)
	return intents, err
}

// kbFileIntents is kbIntents with the file's bytes.
func kbFileIntents(path string) ([]byte, *yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return data, nil, nil
	}
	return data, yamlnode.Value(yamlnode.Top(&root), "intents"), nil
}
