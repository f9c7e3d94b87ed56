package testsvc

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		postgresChild() // never returns
	}
	code := m.Run()
	StopSharedPostgres()
	os.Exit(code)
}

func query(t *testing.T, dsn string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT 1 + 1").Scan(&n); err != nil {
		return err
	}
	if n != 2 {
		t.Fatalf("SELECT 1 + 1 = %d", n)
	}
	return nil
}

func TestSharedPostgres(t *testing.T) {
	pg := SharedPostgres(t)
	a, b := pg.NewDatabase(t), pg.NewDatabase(t)
	if a == b {
		t.Fatalf("NewDatabase gave %s twice", a)
	}
	for _, dsn := range []string{a, b} {
		if err := query(t, dsn); err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
	}
	if SharedPostgres(t) != pg {
		t.Fatal("SharedPostgres started a second server")
	}
}

func TestPostgresStopStart(t *testing.T) {
	pg, err := StartPostgres(PostgresOptions{})
	if errors.Is(err, ErrNoPostgres) {
		Missing(t, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := pg.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(pg.dir); !os.IsNotExist(err) {
			t.Errorf("Close left %s behind (%v)", pg.dir, err)
		}
	}()
	dsn := pg.NewDatabase(t)
	if err := query(t, dsn); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, dsn); err == nil {
		t.Fatal("query succeeded while the server was stopped")
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := query(t, dsn); err != nil {
		t.Fatalf("after Start: %v", err)
	}
}
