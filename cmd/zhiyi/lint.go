package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/lint"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runLint(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi lint", flag.ContinueOnError)
	var kbs, rulesFiles, expFiles multiFlag
	fs.Var(&kbs, "kb", "a knowledge base (kb.yaml); repeatable")
	fs.Var(&rulesFiles, "rules", "a rules file (rules.yaml); repeatable")
	fs.Var(&expFiles, "experiments", "an experiments file (experiments.yaml), checked as zhiyi serve --experiments reads it at start, against the knowledge bases; repeatable")
	dict := fs.String("dict", "", "the shop's dictionary directory: checked as train reads it (a malformed line, a variant under two words, a sentiment lexicon serve cannot read), and rules' terms keywords analysed with it as the server analyses them (optional)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi lint [--kb FILE] [--rules FILE] [--experiments FILE] [--dict DIR] [FILE...]\n\n"+
			"Checks every answer of knowledge bases and rules files for the advertising law's absolute\n"+
			"terms, promises and medical claims and for length over a chat message's 2048 bytes, and a knowledge base for\n"+
			"what train refuses besides (an answer still the new-intent stub's, an example under two\n"+
			"intents), and a dictionary directory (--dict) for what train refuses of it. A FILE is a knowledge\n"+
			"base when it has intents:, a rules file when it has rules:. Rules files are checked against\n"+
			"the knowledge bases' intents, experiments files against their experiments and answers, as\n"+
			"zhiyi serve loads them: run it with a new zhiyi before switching to it. Exit 1 with findings\n"+
			"(or a file that does not load), 0 when clean.")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args, stderr)
	if err != nil {
		return err
	}
	for _, path := range files {
		kind, err := fileKind(path)
		if err != nil {
			return err
		}
		if kind == "kb" {
			kbs = append(kbs, path)
		} else {
			rulesFiles = append(rulesFiles, path)
		}
	}
	if len(kbs)+len(rulesFiles)+len(expFiles) == 0 && *dict == "" {
		fmt.Fprintln(stderr, "zhiyi lint: no files")
		fs.Usage()
		return errUsage
	}
	var findings []lint.Finding
	var refused []error // what train refuses besides the findings, reported with them
	intents := map[string]bool{}
	var loaded []*index.KB
	dictOK := *dict != ""
	if *dict != "" {
		// what train refuses of the dictionaries, found before a retrain of minutes starts
		if err := train.CheckDictionaries(*dict, stderr); err != nil {
			refused = append(refused, err)
			dictOK = false
		}
	}
	for _, path := range kbs {
		f, err := lint.KBFile(path)
		if err != nil {
			return err
		}
		findings = append(findings, f...)
		kb, err := index.LoadKB(path)
		if err != nil {
			return err
		}
		if err := train.CheckKB(path); err != nil {
			refused = append(refused, err) // the other files' findings are still listed
		}
		loaded = append(loaded, kb)
		for _, in := range kb.Intents {
			intents[in.ID] = true
		}
	}
	opt := rules.Options{}
	if len(kbs) > 0 {
		// none, out of scope, as zhiyi serve and the console take it (a rule's intent: none)
		opt.Intents = func(id string) bool { return intents[id] || id == intent.NoneIntent }
	}
	if dictOK && len(rulesFiles) > 0 {
		a, err := nlp.New(nlp.Config{DictDir: *dict})
		if err != nil {
			return err
		}
		opt.Analyzer = a
	}
	// A rules or experiments file that does not load is reported with the others' problems, not
	// instead of them: after a rename both name the old intent, and an operator fixing one file at
	// a time would learn of the next only from the next run.
	for _, path := range rulesFiles {
		f, err := lint.RulesFile(path, opt)
		if err != nil {
			refused = append(refused, err)
			continue
		}
		findings = append(findings, f...)
		if set, err := rules.Load(path, opt); err == nil {
			// rules that can never fire, ids that read as order numbers: worth a look, not a finding
			for _, w := range set.Warnings() {
				fmt.Fprintln(stderr, "warning: "+w)
			}
			if opt.Intents == nil && forcesIntent(set) {
				fmt.Fprintf(stderr, "note: %s: read without a knowledge base, so the intents its rules force are not checked; give --kb kb.yaml\n", path)
			}
		}
	}
	for _, path := range expFiles {
		if err := lintExperiments(path, loaded); err != nil {
			refused = append(refused, err)
			continue
		}
		if len(loaded) == 0 {
			fmt.Fprintf(stderr, "note: %s: read without a knowledge base; give --kb kb.yaml to check the experiments and answers it names\n", path)
		}
	}
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	n := len(kbs) + len(rulesFiles) + len(expFiles)
	if len(findings) > 0 {
		// run prints this as "zhiyi lint: …" and exits 1.
		refused = append(refused, fmt.Errorf("%d finding(s) in %d file(s): %s", len(findings), n, lint.Advice(findings)))
	}
	if len(refused) > 0 {
		return errors.Join(refused...)
	}
	switch {
	case *dict != "" && n == 0:
		fmt.Fprintf(stderr, "zhiyi lint: no findings; the dictionaries in %s load as train reads them\n", *dict)
	case *dict != "":
		fmt.Fprintf(stderr, "zhiyi lint: %d file(s), no findings; the dictionaries in %s load as train reads them\n", n, *dict)
	default:
		fmt.Fprintf(stderr, "zhiyi lint: %d file(s), no findings\n", n)
	}
	return nil
}

// forcesIntent reports whether a rule of set forces an intent other than none, which only a
// knowledge base can check.
func forcesIntent(set *rules.Set) bool {
	for _, r := range set.Rules() {
		if r.Action.Kind == rules.ActIntent && r.Action.Intent != intent.NoneIntent {
			return true
		}
	}
	return false
}

// parseInterspersed parses flags given before, between and after the files (zhiyi lint
// kb.yaml --experiments experiments.yaml), which the flag package alone stops at the first
// file and would read as files; after "--" every argument is a file. It returns the files.
func parseInterspersed(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var files []string
	for {
		if err := parseFlags(fs, args, stderr); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// lintExperiments refuses the experiments file at path as zhiyi serve refuses it at start:
// invalid (file:line), or naming an experiment or answer one of kbs lacks. Its answers are
// the knowledge base's, linted with it.
func lintExperiments(path string, kbs []*index.KB) error {
	ov, err := experiment.LoadOverrides(path)
	if err != nil {
		return err
	}
	for _, kb := range kbs {
		if _, err := experiment.New(experiment.Config{KB: kb, Overrides: ov}); err != nil {
			return err
		}
	}
	return nil
}

// fileKind tells a knowledge base (intents:) from a rules file (rules:) by its top-level keys.
func fileKind(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	var doc struct {
		Intents yaml.Node `yaml:"intents"`
		Rules   yaml.Node `yaml:"rules"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", yamlnode.Error(path, data, err)
	}
	switch {
	case doc.Intents.Kind != 0 && doc.Rules.Kind == 0:
		return "kb", nil
	case doc.Rules.Kind != 0 && doc.Intents.Kind == 0:
		return "rules", nil
	}
	return "", fmt.Errorf("%s: neither a knowledge base (intents:) nor a rules file (rules:); name it with --kb or --rules (an experiments file with --experiments)", path)
}
