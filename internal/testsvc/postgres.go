package testsvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresBinDir is where Debian's postgresql-15 package installs initdb and pg_ctl.
const PostgresBinDir = "/usr/lib/postgresql/15/bin"

// PostgresEnv names the environment variable holding the DSN of an existing server to use
// instead of starting one (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
const PostgresEnv = "ZHIYI_TEST_POSTGRES"

// ErrNoPostgres is returned by StartPostgres when initdb or pg_ctl is not installed.
var ErrNoPostgres = errors.New("testsvc: PostgreSQL 15 is not installed (" + PostgresBinDir + "; Debian package postgresql)")

// Postgres is a PostgreSQL server for tests: either a private one that StartPostgres made in a
// temporary directory, or the existing one named by ZHIYI_TEST_POSTGRES. Its methods are safe
// for concurrent use.
type Postgres struct {
	external string // DSN of an existing server; empty for a private one

	dir, data, sock string
	port            int
	asPostgres      bool   // run the binaries as the postgres OS user (the process is root)
	uid, gid        uint32 // the postgres OS user's, when asPostgres
	mu              sync.Mutex
	cmd             *exec.Cmd       // the postmaster, a child of this process; nil when stopped
	done            <-chan struct{} // closed when cmd has exited
	dbs             atomic.Int64
}

// PostgresOptions adjust a private server. The zero value is a server tuned for tests.
type PostgresOptions struct {
	// Durable keeps PostgreSQL's default fsync and synchronous_commit (on), for benchmarks.
	// Off by default: tests do not need crash safety and run faster without it.
	Durable bool
}

// postgresStartTimeout bounds how long a starting server may take to accept connections.
const postgresStartTimeout = 60 * time.Second

// StartPostgres starts a private PostgreSQL 15 server: initdb in a temporary directory (owned by
// the postgres OS user when the process is root, since PostgreSQL refuses to run as root),
// listening on 127.0.0.1 at a free port and on a unix socket in that directory, with trust
// authentication for the user postgres. The server is a child of this process (not daemonized
// by pg_ctl): on Linux it shuts down when the test binary dies, so a panic or go test's timeout
// leaves no server running. Close stops it and removes the directory. It returns ErrNoPostgres
// when the binaries are missing.
func StartPostgres(opts PostgresOptions) (*Postgres, error) {
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(PostgresBinDir, b)); err != nil {
			return nil, ErrNoPostgres
		}
	}
	dir, err := os.MkdirTemp("", "zhiyi-pg-")
	if err != nil {
		return nil, fmt.Errorf("testsvc: cannot make a directory for PostgreSQL: %w", err)
	}
	p := &Postgres{dir: dir, data: filepath.Join(dir, "data"), sock: dir, asPostgres: os.Geteuid() == 0}
	fail := func(err error) (*Postgres, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if p.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("testsvc: running as root needs the postgres OS user: %w", err))
		}
		uid, uerr := strconv.ParseUint(u.Uid, 10, 32)
		gid, gerr := strconv.ParseUint(u.Gid, 10, 32)
		if err := errors.Join(uerr, gerr); err != nil {
			return fail(fmt.Errorf("testsvc: the postgres OS user's ids %s:%s: %w", u.Uid, u.Gid, err))
		}
		p.uid, p.gid = uint32(uid), uint32(gid)
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			return fail(fmt.Errorf("testsvc: cannot give %s to postgres: %w", dir, err))
		}
	}
	if out, err := p.run("initdb", "-D", p.data, "-U", "postgres", "--auth=trust", "--no-locale",
		"-E", "UTF8", "--no-sync"); err != nil {
		return fail(fmt.Errorf("testsvc: initdb: %w\n%s", err, out))
	}
	conf := "listen_addresses = '127.0.0.1'\nunix_socket_directories = '" + p.sock + "'\n" +
		"max_connections = 200\nshared_buffers = 128MB\n"
	if !opts.Durable {
		conf += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fail(fmt.Errorf("testsvc: cannot configure PostgreSQL: %w", err))
	}
	// A free port can be taken between finding it and the server binding it: try again.
	for range 5 {
		if p.port, err = postgresPort(); err != nil {
			return fail(err)
		}
		if err = p.Start(); err == nil {
			return p, nil
		}
	}
	return fail(err)
}

// postgresPort finds the port StartPostgres tries next; a test replaces it to hand out a port
// that is taken.
var postgresPort = freePort

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testsvc: cannot find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run runs one of PostgreSQL's binaries, as the postgres user when the process is root.
func (p *Postgres) run(bin string, args ...string) ([]byte, error) {
	path := filepath.Join(PostgresBinDir, bin)
	var cmd *exec.Cmd
	if p.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = p.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// Start starts the private server (again, after Stop) on the same port and waits until it
// accepts connections. It is an error for an external server.
func (p *Postgres) Start() error {
	if p.external != "" {
		return errors.New("testsvc: cannot start an external PostgreSQL (" + PostgresEnv + ")")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	logPath := filepath.Join(p.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("testsvc: cannot create %s: %w", logPath, err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(filepath.Join(PostgresBinDir, "postgres"), "-D", p.data, "-p", strconv.Itoa(p.port))
	cmd.Dir = p.dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = postgresProcAttr(p.asPostgres, p.uid, p.gid)
	done, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("testsvc: cannot start postgres: %w", err)
	}
	deadline := time.Now().Add(postgresStartTimeout)
	for {
		err := p.ping()
		if err == nil {
			p.cmd, p.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("testsvc: postgres on port %d exited at start: %s", p.port, tail(logPath))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("testsvc: postgres on port %d did not accept connections within %s (%v): %s",
				p.port, postgresStartTimeout, err, tail(logPath))
		}
	}
}

// ping connects to the private server's postgres database and closes the connection.
func (p *Postgres) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.DSN("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// Stop stops the private server (a fast shutdown: connections are cut, as in an outage), waits
// until it has exited and keeps its data for Start. It is an error for an external server.
func (p *Postgres) Stop() error {
	if p.external != "" {
		return errors.New("testsvc: cannot stop an external PostgreSQL (" + PostgresEnv + ")")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return nil
	}
	defer func() { p.cmd = nil }()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil { // SIGINT: PostgreSQL's fast shutdown
		return fmt.Errorf("testsvc: cannot stop postgres: %w", err)
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(postgresStartTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("testsvc: postgres did not stop within %s; killed: %s", postgresStartTimeout,
			tail(filepath.Join(p.dir, "postgres.log")))
	}
}

// Private reports whether this is a server StartPostgres made (so Stop and Start work).
func (p *Postgres) Private() bool { return p.external == "" }

// Close stops a private server and removes its directory; for an external server it does nothing.
func (p *Postgres) Close() error {
	if p.external != "" {
		return nil
	}
	err := p.Stop()
	if rerr := os.RemoveAll(p.dir); err == nil {
		err = rerr
	}
	return err
}

// DSN returns the URL of database db on this server.
func (p *Postgres) DSN(db string) string {
	if p.external != "" {
		cfg, err := pgx.ParseConfig(p.external)
		if err != nil {
			return p.external
		}
		u := "postgres://"
		if cfg.User != "" {
			u += cfg.User
			if cfg.Password != "" {
				u += ":" + cfg.Password
			}
			u += "@"
		}
		return u + net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))) + "/" + db + "?sslmode=disable"
	}
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(p.port) + "/" + db + "?sslmode=disable"
}

// Port returns the private server's TCP port (0 for an external server).
func (p *Postgres) Port() int { return p.port }

// NewDatabase creates an empty database with a fresh name and returns its DSN; on an external
// server it is dropped when t ends (a private server's are removed with it).
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("zhiyi_test_%d_%d", os.Getpid(), p.dbs.Add(1))
	if _, err := p.CreateDatabase(name); err != nil {
		t.Fatal(err)
	}
	if p.external != "" {
		t.Cleanup(func() {
			if err := p.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				t.Logf("testsvc: cannot drop database %s: %v", name, err)
			}
		})
	}
	return p.DSN(name)
}

// CreateDatabase creates database name (a plain identifier) and returns its DSN; for programs
// such as benchmarks that have no testing.TB.
func (p *Postgres) CreateDatabase(name string) (string, error) {
	if err := p.exec("CREATE DATABASE " + name); err != nil {
		return "", fmt.Errorf("testsvc: cannot create database %s: %w", name, err)
	}
	return p.DSN(name), nil
}

func (p *Postgres) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := p.external
	if dsn == "" {
		dsn = p.DSN("postgres")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

var shared struct {
	once sync.Once
	pg   *Postgres
	err  error
}

// SharedPostgres returns the test binary's one PostgreSQL server, starting it on first use
// (or using ZHIYI_TEST_POSTGRES when set). It skips t, saying why, only when PostgreSQL is not
// installed; any other failure fails t. Call StopSharedPostgres from TestMain after m.Run.
func SharedPostgres(t testing.TB) *Postgres {
	t.Helper()
	shared.once.Do(func() {
		if dsn := os.Getenv(PostgresEnv); dsn != "" {
			shared.pg = &Postgres{external: dsn}
			return
		}
		shared.pg, shared.err = StartPostgres(PostgresOptions{})
	})
	if errors.Is(shared.err, ErrNoPostgres) {
		Missing(t, fmt.Sprintf("%v; set %s to use an existing server", shared.err, PostgresEnv))
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.pg
}

// PrivatePostgres starts a PostgreSQL server of t's own, one t may stop and start (outages), and
// closes it when t ends. It skips t as SharedPostgres does (Missing) when PostgreSQL is not
// installed; any other failure fails t.
func PrivatePostgres(t testing.TB) *Postgres {
	t.Helper()
	pg, err := StartPostgres(PostgresOptions{})
	if errors.Is(err, ErrNoPostgres) {
		Missing(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pg.Close(); err != nil {
			t.Error(err)
		}
	})
	return pg
}

// StopSharedPostgres stops the server SharedPostgres started, if any. TestMain calls it after
// m.Run.
func StopSharedPostgres() {
	if shared.pg != nil {
		if err := shared.pg.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
}
