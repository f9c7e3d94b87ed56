package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

type command struct {
	name, usage string
	run         func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = []command{
	{"train", "train a model bundle from exported chats", runTrain},
	{"eval", "evaluate a bundle on labelled data (JSON and HTML reports)", runEval},
	{"predict", "classify lines from stdin, one JSON result per line", runPredict},
	{"cluster", "group the messages the model does not answer into a sheet to label by cluster", runCluster},
	{"serve", "serve POST /intent over HTTP", runServe},
	{"learn", "continue a bundle on the corrections in the decision log, behind an evaluation gate", runLearn},
	{"rollback", "name (and reload) the bundle a learnt bundle came from", runRollback},
	{"shorthand", "list shorthand (kd, yhq) that customers type and the dictionaries lack, with expansions", runShorthand},
	{"lint", "check answers in kb.yaml / rules.yaml for advertising-law terms and length", runLint},
	{"ab", "report the A/B experiments on answer variants from the decision log", runAB},
	{"report", "the dashboard of a period from the decision log: text, --json, --html with charts", runReport},
	{"unmatched", "cluster a period's unmatched messages from the decision log into a sheet to label", runUnmatched},
	{"export", "write a period's decisions with their feedback as CSV (for a spreadsheet) or JSON lines", runExport},
	{"backup", "write a consistent copy of the SQLite decision log while serve writes it", runBackup},
	{"restore", "put a backup in place of the SQLite decision log, checked, for serve to start on", runRestore},
	{"copy", "copy the decision log (decisions, feedback, labels, hash key) into another database: SQLite to PostgreSQL", runCopy},
	{"records", "print what the decision log holds of a customer or a conversation (a request to see their data)", runRecords},
	{"forget", "delete a customer's or a conversation's records from the decision log (a request to delete personal data)", runForget},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal asks a command to finish (serve drains, train says nothing was
		// written); restoring the default action lets a second one end the process at once.
		<-ctx.Done()
		stop()
	}()
	setMemoryLimit(machineMemory)
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdin, stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintf(stderr, "zhiyi %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "zhiyi: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage means the flags were wrong; the flag package has already said how.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "zhiyi — intent service for Chinese customer-service chat\n\nUsage: zhiyi COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.usage)
	}
	fmt.Fprintln(w, "\nRun 'zhiyi COMMAND -h' for the flags of a command.")
}

// parse parses flags and allows no arguments after them (parseFlags).
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	return nil
}

// parseFlags parses flags, turning a flag error into errUsage (the message is already printed).
// A bad value says what is wrong in a line and where the flags are, as the values checked after
// parsing do; the flag package would print every flag after it.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	hideSecretDefaults(fs)
	var out bytes.Buffer
	fs.SetOutput(&out)
	usage := fs.Usage // a command's own, or the flag package's
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	fs.Usage = usage
	if err != nil {
		stderr.Write(out.Bytes()) // the flag package's one line: invalid value, undefined flag
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		fmt.Fprintf(stderr, "%s: run '%s -h' for its flags\n", fs.Name(), fs.Name())
		return errUsage
	}
	return nil
}

// secretFlags are the flags whose value may hold a secret: a token, a key, a URL with a password
// or a webhook's key in it.
var secretFlags = []string{"admin-token", "hash-key", "db", "redis", "alert-webhook", "alert-wecom", "alert-smtp"}

// hideSecretDefaults keeps the values secret flags take from the environment out of -h: the
// docs send secrets through the environment because a command line shows in ps, and -h printed
// them as the flags' defaults (into a CI or container log).
func hideSecretDefaults(fs *flag.FlagSet) {
	for _, name := range secretFlags {
		if f := fs.Lookup(name); f != nil && f.DefValue != "" {
			f.DefValue = "(set from the environment; not shown)"
		}
	}
}

// multiFlag collects a repeatable flag; each value may also hold several space-free paths.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// setUsage makes text — the command's synopsis and what it does — head its -h, above the flags.
func setUsage(fs *flag.FlagSet, stderr io.Writer, text string) {
	fs.Usage = func() {
		fmt.Fprintln(stderr, text)
		fs.PrintDefaults()
	}
}
