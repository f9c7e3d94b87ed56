package nlp

import (
	"flag"

	"github.com/longbridgeapp/opencc"
)

// opencc registers a -dir flag on flag.CommandLine when it is imported (the directory of
// dictionaries it no longer reads: they are embedded in it). Every program that imports nlp would
// then accept a -dir it never meant, and one that defines its own -dir on the command line
// (scripts/storebench does) would panic at start with "flag redefined: dir". So the command line's
// flag set is rebuilt without it here, before any main runs (package initialisation ends before
// main starts, and go test registers its own flags from main). Programs with their own flag sets,
// as cmd/zhiyi, never saw it.
func init() { dropOpenCCFlag(&flag.CommandLine) }

// dropOpenCCFlag replaces *set with a copy that lacks opencc's -dir (same name, error handling,
// output, usage and the other flags' values), when *set has it.
func dropOpenCCFlag(set **flag.FlagSet) {
	old := *set
	f := old.Lookup("dir")
	if f == nil || f.Usage != "dict dir" || opencc.Dir == nil || f.Value.String() != *opencc.Dir {
		return
	}
	fs := flag.NewFlagSet(old.Name(), old.ErrorHandling())
	fs.SetOutput(old.Output())
	fs.Usage = old.Usage
	old.VisitAll(func(g *flag.Flag) {
		if g != f {
			fs.Var(g.Value, g.Name, g.Usage)
		}
	})
	*set = fs
}
