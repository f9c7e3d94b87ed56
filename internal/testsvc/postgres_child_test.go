package testsvc

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A free port can be taken between StartPostgres finding it and the server binding it (another
// package's tests, another program): it tries another, as StartRedis does, rather than failing
// the test.
func TestStartPostgresTriesAnotherPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	tries := 0
	postgresPort = func() (int, error) {
		if tries++; tries == 1 {
			return takenPort, nil
		}
		return freePort()
	}
	defer func() { postgresPort = freePort }()
	pg, err := StartPostgres(PostgresOptions{})
	if errors.Is(err, ErrNoPostgres) {
		Missing(t, err.Error())
	}
	if err != nil {
		t.Fatalf("StartPostgres with its first port taken: %v", err)
	}
	defer func() {
		if err := pg.Close(); err != nil {
			t.Error(err)
		}
	}()
	if pg.Port() == takenPort || tries != 2 {
		t.Errorf("port %d after %d tries; want another than the taken %d, on the second", pg.Port(), tries, takenPort)
	}
	if err := query(t, pg.DSN("postgres")); err != nil {
		t.Fatal(err)
	}
}

// childEnv makes the test binary stand in for a test binary that dies holding a server
// (TestPostgresStopsWhenTheTestBinaryDies).
const childEnv = "ZHIYI_TESTSVC_CHILD"

// postgresChild is the test binary that dies (TestMain runs it when childEnv is set): it starts
// a server, says which, and waits to be killed.
func postgresChild() {
	pg, err := StartPostgres(PostgresOptions{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(pg.cmd.Process.Pid, pg.dir)
	select {}
}

// A test binary killed with a server running (a panic, go test's timeout) took it with it:
// every such run left a PostgreSQL server, and its data directory's hundreds of megabytes of
// shared memory and files, behind.
func TestPostgresStopsWhenTheTestBinaryDies(t *testing.T) {
	if _, err := os.Stat(PostgresBinDir + "/postgres"); err != nil {
		Missing(t, ErrNoPostgres.Error())
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=1")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = child.Process.Kill()
		t.Fatalf("the child said nothing: %v", err)
	}
	f := strings.Fields(line)
	pid, perr := strconv.Atoi(f[0])
	if len(f) != 2 || perr != nil {
		_ = child.Process.Kill()
		t.Fatalf("the child: %s", line)
	}
	dir := f[1]
	t.Cleanup(func() {
		_ = syscall.Kill(pid, syscall.SIGKILL) // when the server outlived the child
		os.RemoveAll(dir)
	})
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the child's server %d is not running: %v", pid, err)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	// a hang guard, not a measurement: the server shuts down as soon as it gets the signal
	for deadline := time.Now().Add(time.Minute); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the PostgreSQL server %d (in %s) still runs a minute after the test binary that started it was killed", pid, dir)
		}
	}
}
