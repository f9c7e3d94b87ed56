package serve

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRegisterFlags(t *testing.T) {
	t.Setenv("ZHIYI_ADDR", ":9999")
	t.Setenv("ZHIYI_MODEL", "models/env")
	t.Setenv("ZHIYI_MAX_TEXT_BYTES", "1000")
	t.Setenv("ZHIYI_READ_TIMEOUT", "2s")
	t.Setenv("ZHIYI_ADMIN_TOKEN", "tok")
	t.Setenv("ZHIYI_LOG_LEVEL", "debug")

	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"--model", "models/flag", "-max-batch", "8"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Addr, want.ModelDir, want.MaxTextBytes, want.ReadTimeout = ":9999", "models/flag", 1000, 2*time.Second
	want.AdminToken, want.LogLevel, want.MaxBatch = "tok", "debug", 8
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
}

func TestConfigEnvErrors(t *testing.T) {
	t.Setenv("ZHIYI_MAX_BATCH", "many")
	t.Setenv("ZHIYI_IDLE_TIMEOUT", "60")
	var c Config
	c.RegisterFlags(flag.NewFlagSet("x", flag.ContinueOnError))
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `ZHIYI_MAX_BATCH="many": want a whole number`) ||
		!strings.Contains(err.Error(), `ZHIYI_IDLE_TIMEOUT="60": want a duration such as 30s`) || strings.Contains(err.Error(), "strconv") {
		t.Fatalf("Validate: %v", err)
	}
	if c.MaxBatch != DefaultMaxBatch {
		t.Fatalf("bad env changed the value: %d", c.MaxBatch)
	}
	if _, err := ConfigFromEnv(); err == nil {
		t.Fatal("ConfigFromEnv accepted bad values")
	}
	if _, err := New(c, fakeLoader, nil); err == nil {
		t.Fatal("New accepted a bad environment")
	}
}

func TestLogLevel(t *testing.T) {
	if err := (Config{LogLevel: "loud"}).Validate(); err == nil || !strings.Contains(err.Error(), "--log-level (env ZHIYI_LOG_LEVEL)") {
		t.Fatalf("bad level: %v, want an error naming the flag and its variable", err)
	}
	for _, addr := range []string{":99999", "8080", "localhost:http-alt-x"} {
		if err := (Config{Addr: addr}).Validate(); err == nil || !strings.Contains(err.Error(), "--addr (env ZHIYI_ADDR)") {
			t.Errorf("--addr %s: %v, want an error naming the flag", addr, err)
		}
	}
	for _, addr := range []string{":8080", "127.0.0.1:0", "[::1]:9090"} {
		if err := (Config{Addr: addr}).Validate(); err != nil {
			t.Errorf("--addr %s: %v", addr, err)
		}
	}
	if err := (Config{MaxTextBytes: -5}).Validate(); err == nil || !strings.Contains(err.Error(), "--max-text-bytes (env ZHIYI_MAX_TEXT_BYTES) must not be negative") {
		t.Errorf("negative --max-text-bytes: %v, want an error naming the flag and its variable", err)
	}
	for _, l := range []string{"debug", "INFO", "warn", "warning", "error"} {
		if _, err := NewLogger(io.Discard, l); err != nil {
			t.Errorf("%s: %v", l, err)
		}
	}
}

// An admin token with white space around it (a secret file's newline) is refused at start: a
// header's token is read trimmed, so it would refuse every admin request without a word.
func TestAdminTokenWhiteSpace(t *testing.T) {
	for _, tok := range []string{"s3cret\n", " s3cret", "\t"} {
		err := (Config{AdminToken: tok}).Validate()
		if err == nil || !strings.Contains(err.Error(), "ZHIYI_ADMIN_TOKEN") {
			t.Errorf("token %q: %v, want an error naming the variable", tok, err)
		}
	}
	if err := (Config{AdminToken: "s3cret"}).Validate(); err != nil {
		t.Errorf("a plain token: %v", err)
	}
}
