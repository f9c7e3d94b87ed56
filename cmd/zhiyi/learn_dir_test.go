package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// zhiyi serve --learn with the bundles read-only to the service (root's, as a careful deployment
// installs them) started without a word and failed at its first tick, an hour later by default:
// "learn: mkdir /opt/zhiyi/models/shop-learnt-…: permission denied". It says so at start now,
// naming the directory.
func TestServeLearnWarnsOfAReadOnlyModelsDir(t *testing.T) {
	parent, _ := learntCopy(t)
	models := filepath.Dir(parent)
	saved := probeWritable
	t.Cleanup(func() { probeWritable = saved })
	var probed []string
	probeWritable = func(dir string) error {
		probed = append(probed, dir)
		return &fs.PathError{Op: "mkdir", Path: filepath.Join(dir, ".zhiyi-learn-probe-1"), Err: errors.New("permission denied")}
	}
	for _, learn := range []bool{false, true} {
		logs := &testsvc.Buffer{}
		ctx, cancel := context.WithCancel(context.Background())
		sf := serveFlags{learn: learn, learnEvery: time.Hour, learnMin: 2, record: true,
			storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
		w, _ := startServing(t, ctx, sf, slog.New(slog.NewJSONHandler(logs, nil)), serve.Config{ModelDir: parent})
		w.close()
		cancel()
		warned := strings.Contains(logs.String(), "learn: cannot write in the models directory")
		if warned != learn {
			t.Errorf("--learn=%v: warned %v:\n%s", learn, warned, logs.String())
		}
		if learn && !strings.Contains(logs.String(), `"dir":"`+models+`"`) {
			t.Errorf("the warning does not name %s:\n%s", models, logs.String())
		}
	}
	if len(probed) != 1 || probed[0] != models {
		t.Errorf("probed %v, want [%s]", probed, models)
	}
}

// The probe itself leaves nothing behind in a directory it may write, and fails where no
// directory can be made.
func TestProbeWritable(t *testing.T) {
	dir := t.TempDir()
	if err := probeWritable(dir); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the probe left %v", ents)
	}
	file := filepath.Join(dir, "models")
	if err := os.WriteFile(file, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := probeWritable(file); err == nil {
		t.Error("a regular file probed writable")
	}
}
