package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/serve"
)

// --trusted-proxies takes addresses and ranges, and names itself and its variable on a bad one.
func TestParseProxies(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: the prefixes, or the error's start
	}{
		{"", "[]"},
		{"127.0.0.1", "[127.0.0.1/32]"},
		{" 127.0.0.1 , 10.0.0.0/8,::1", "[127.0.0.1/32 10.0.0.0/8 ::1/128]"},
		{"::ffff:10.0.0.1", "[10.0.0.1/32]"},
		{"::ffff:10.0.0.0/104", "[10.0.0.0/8]"},
		{"localhost", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "localhost": want`},
		{"10.0.0.0/33", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "10.0.0.0/33"`},
		{"10.1.2.3/8", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "10.1.2.3/8": bits set past the /8: 10.0.0.0/8`},
		{"0.0.0.0/0", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "0.0.0.0/0": every address`},
		{"::/0", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "::/0": every address`},
	} {
		got, err := parseProxies(c.in)
		s := fmt.Sprint(got)
		if err != nil {
			s = err.Error()
		}
		if !strings.HasPrefix(s, c.want) {
			t.Errorf("parseProxies(%q) = %s, want %s", c.in, s, c.want)
		}
	}
	f := defaultServeFlags(t)
	f.trustedProxies = "nginx"
	if err := f.validate(); err == nil || !strings.Contains(err.Error(), "--trusted-proxies") {
		t.Errorf("a bad --trusted-proxies: %v", err)
	}
}

// defaultServeFlags returns zhiyi serve's flags as registered, none given.
func defaultServeFlags(t *testing.T) serveFlags {
	t.Helper()
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := f.validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	return f
}

// TestServeEnvCheckedUnderAFlag: a malformed variable is an error even when its flag is given
// (ZHIYI_RETAIN=bogus --retain 30d used to start).
func TestServeEnvCheckedUnderAFlag(t *testing.T) {
	for env, val := range map[string]string{"ZHIYI_RETAIN": "bogus", "ZHIYI_TRUSTED_PROXIES": "nginx"} {
		t.Run(env, func(t *testing.T) {
			f := defaultServeFlags(t)
			t.Setenv(env, val)
			f.retain, f.trustedProxies = "30d", "127.0.0.1" // the flags, given
			if err := f.validate(); err == nil || !strings.Contains(err.Error(), env) {
				t.Errorf("%s=%s under its flag: %v", env, val, err)
			}
		})
	}
	t.Setenv("ZHIYI_LOG_LEVEL", "bogus")
	var c serve.Config
	c.RegisterFlags(flag.NewFlagSet("serve", flag.ContinueOnError))
	c.LogLevel = "info" // --log-level info
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "ZHIYI_LOG_LEVEL") {
		t.Errorf("ZHIYI_LOG_LEVEL=bogus under --log-level info: %v", err)
	}
}

// TestServeFlagsOutOfRange: a count or a duration of zero or less is refused, naming the flag,
// its environment variable and the value, instead of being taken as the default unsaid.
func TestServeFlagsOutOfRange(t *testing.T) {
	for _, c := range []struct {
		flag string
		set  func(*serveFlags)
	}{
		{"--escalate-after (env ZHIYI_ESCALATE_AFTER) 0", func(f *serveFlags) { f.escalateAfter = 0 }},
		{"--session-max-turns (env ZHIYI_SESSION_MAX_TURNS) -3", func(f *serveFlags) { f.maxTurns = -3 }},
		{"--session-max-turns (env ZHIYI_SESSION_MAX_TURNS) 100000", func(f *serveFlags) { f.maxTurns = 100000 }},
		{"--session-max-conversations (env ZHIYI_SESSION_MAX_CONVERSATIONS) -1", func(f *serveFlags) { f.maxConvs = -1 }},
		{"--learn-min (env ZHIYI_LEARN_MIN) 0", func(f *serveFlags) { f.learnMin = 0 }},
		{"--learn-keep (env ZHIYI_LEARN_KEEP) 1", func(f *serveFlags) { f.learnKeep = 1 }},
		{"--learn-keep (env ZHIYI_LEARN_KEEP) -1", func(f *serveFlags) { f.learnKeep = -1 }},
		{"--repeat-window (env ZHIYI_REPEAT_WINDOW) -1m0s", func(f *serveFlags) { f.repeatWindow = -time.Minute }},
		{"--session-ttl (env ZHIYI_SESSION_TTL) 0s", func(f *serveFlags) { f.sessionTTL = 0 }},
		{"--redis-timeout (env ZHIYI_REDIS_TIMEOUT) -1s", func(f *serveFlags) { f.redisTimeout = -time.Second }},
		{"--learn-every (env ZHIYI_LEARN_EVERY) 0s", func(f *serveFlags) { f.learnEvery = 0 }},
		{"--spool-max (env ZHIYI_SPOOL_MAX) 0 B", func(f *serveFlags) { f.spoolMax = 0 }},
		{"--session-max-memory (env ZHIYI_SESSION_MAX_MEMORY) 0 B", func(f *serveFlags) { f.sessionMaxMemory = 0 }},
	} {
		f := defaultServeFlags(t)
		c.set(&f)
		if err := f.validate(); err == nil || !strings.HasPrefix(err.Error(), c.flag+": want") {
			t.Errorf("%s: %v", c.flag, err)
		}
	}
}

// TestServeLearnNeedsTheLog: --learn reads its corrections from the decision log, so with
// --record=false it could never learn; it used to start and stay silent about it.
func TestServeLearnNeedsTheLog(t *testing.T) {
	for _, c := range []struct {
		learn, record, ok bool
	}{
		{learn: true, record: true, ok: true},
		{learn: false, record: false, ok: true},
		{learn: false, record: true, ok: true},
		{learn: true, record: false, ok: false},
	} {
		f := defaultServeFlags(t)
		f.learn, f.record = c.learn, c.record
		err := f.validate()
		if c.ok && err != nil {
			t.Errorf("--learn=%v --record=%v: %v", c.learn, c.record, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "--learn") || !strings.Contains(err.Error(), "--record=false")) {
			t.Errorf("--learn=%v --record=%v: %v, want an error naming both", c.learn, c.record, err)
		}
	}
}

// The ready line points at the console where it can be used: with --console-prefix that is the
// proxy's path. It named the listener's /console, whose sign-in form posts under the prefix
// (a 404 there) and whose cookie is for the prefix's path.
func TestReadyLineUnderConsolePrefix(t *testing.T) {
	model, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string]string{"": "/console (sign in", "/zhiyi": "at /zhiyi/console/ of its site"} {
		out := &lockedBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- runServe(ctx, []string{"--model", model, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
				"--admin-token", "a-long-enough-admin-token-for-the-test", "--console", "--console-prefix", prefix}, nil, out, io.Discard)
		}()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "console:") && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("prefix %q: %v", prefix, err)
		}
		var line string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "console:") {
				line = l
			}
		}
		if !strings.Contains(line, want) {
			t.Errorf("prefix %q: ready line %q, want it to say %q", prefix, line, want)
		}
	}
}

// lockedBuffer is a bytes.Buffer that serve writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
