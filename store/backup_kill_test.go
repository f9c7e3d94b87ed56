package store_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// The helper process of TestBackupKilled: a backup that fills its temporary copy, says where,
// and waits to be killed there, as `zhiyi backup` killed by cron's timeout did.
func init() {
	if os.Getenv("ZHIYI_BACKUP_HELPER") != "hold" {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: os.Getenv("ZHIYI_BACKUP_DATA")})
	if err != nil {
		os.Exit(3)
	}
	store.SetBackupCopied(func(tmp string) {
		os.Stdout.WriteString(tmp + "\n")
		time.Sleep(time.Hour)
	})
	db.Backup(ctx, os.Getenv("ZHIYI_BACKUP_OUT"))
	os.Exit(4)
}

func backupHelper(t *testing.T, data, out string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZHIYI_BACKUP_HELPER=hold", "ZHIYI_BACKUP_DATA="+data, "ZHIYI_BACKUP_OUT="+out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	tmp, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the backup helper said nothing: %v", err)
	}
	return cmd, strings.TrimSpace(tmp)
}

// TestBackupKilled: a backup killed with SIGKILL after it copied the log leaves its temporary
// copy (the log's size) beside --out; the next backup there removes it, and passes by the copy
// of a backup still running.
func TestBackupKilled(t *testing.T) {
	data := t.TempDir()
	db := openConfig(t, store.Config{DataDir: data})
	ctx := testCtx(t)
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "m-1", Time: time.Now(), Text: "发票怎么开", Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")
	dead, deadTmp := backupHelper(t, data, out)
	if err := dead.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dead.Wait()
	_, liveTmp := backupHelper(t, data, filepath.Join(dir, "other.db"))
	_, liveSame := backupHelper(t, data, out) // running to the same --out
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	got := entries(t, dir)
	want := []string{filepath.Base(liveTmp), filepath.Base(liveSame), "backup.db"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("beside the backup: %v, want %v (the killed backup's %s gone, the live ones' kept)", got, want, filepath.Base(deadTmp))
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}
