package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/console"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// serveFlags are zhiyi serve's flags beyond serve.Config's: the parts wired around the server.
// Each has an environment variable; the flag wins.
type serveFlags struct {
	redis, redisPrefix       string
	redisTimeout, sessionTTL time.Duration
	maxTurns, maxConvs       int
	sessionMaxMemory         byteSize
	rules, experiments       string
	storeFlags
	retain           string
	spoolMax         byteSize
	writerNice       int
	record           bool
	learn            bool
	learnEvery       time.Duration
	learnMin         int
	learnKeep        int
	console          bool
	trustedProxies   string
	consolePrefix    string
	sentimentHandoff bool
	escalateAfter    int
	repeatWindow     time.Duration
	adaptMix         bool
	adaptMixWindow   int
	alerts           alert.Flags
}

// defaultLearnMin is how many corrections learning waits for (zhiyi serve --learn-min, zhiyi
// learn --min).
const defaultLearnMin = 20

// minAdminTokenRunes is the shortest admin token serve takes without a warning.
const minAdminTokenRunes = 16

// maxSessionTurns bounds --session-max-turns: context needs the last few turns, repeats the
// last ten minutes' (a state of 100 turns is about 30 KB, read and written with every message).
const maxSessionTurns = 100

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.redis, "redis", env("ZHIYI_REDIS", ""), "share conversation state through Redis (redis://[:password@]host:port/db); empty: in this process (env ZHIYI_REDIS, preferred: the URL may hold a password)")
	fs.StringVar(&f.redisPrefix, "redis-prefix", env("ZHIYI_REDIS_PREFIX", "zhiyi:conv:"), "key prefix of conversations in Redis (env ZHIYI_REDIS_PREFIX)")
	fs.DurationVar(&f.redisTimeout, "redis-timeout", envDuration("ZHIYI_REDIS_TIMEOUT", 50*time.Millisecond), "longest a Redis call may take before the message is answered without context (env ZHIYI_REDIS_TIMEOUT)")
	fs.DurationVar(&f.sessionTTL, "session-ttl", envDuration("ZHIYI_SESSION_TTL", 30*time.Minute), "a conversation idle this long is forgotten (env ZHIYI_SESSION_TTL)")
	fs.IntVar(&f.maxTurns, "session-max-turns", envInt("ZHIYI_SESSION_MAX_TURNS", 6), "customer turns a conversation remembers (env ZHIYI_SESSION_MAX_TURNS)")
	fs.IntVar(&f.maxConvs, "session-max-conversations", envInt("ZHIYI_SESSION_MAX_CONVERSATIONS", 100000), "conversations kept in this process without Redis (env ZHIYI_SESSION_MAX_CONVERSATIONS)")
	f.sessionMaxMemory = envBytes("ZHIYI_SESSION_MAX_MEMORY", defaultSessionBytes(machineMemory))
	fs.Var(&f.sessionMaxMemory, "session-max-memory", "what the conversations kept in this process without Redis may take: 512MiB, 1GB, or bytes; default an eighth of the machine's (or its cgroup's) memory, at least 16MiB and at most 512MiB (env ZHIYI_SESSION_MAX_MEMORY)")
	fs.StringVar(&f.rules, "rules", env("ZHIYI_RULES", ""), "the operator's keyword rules (rules.yaml), reloaded with the bundle (env ZHIYI_RULES)")
	fs.StringVar(&f.experiments, "experiments", env("ZHIYI_EXPERIMENTS", ""), "A/B overrides (experiments.yaml: stopped variants, excluded senders), reloaded with the bundle (env ZHIYI_EXPERIMENTS)")
	f.storeFlags.register(fs)
	fs.StringVar(&f.retain, "retain", env("ZHIYI_RETAIN", "90d"), "keep decisions this long (90d, 720h; 0: forever) (env ZHIYI_RETAIN)")
	f.spoolMax = envBytes("ZHIYI_SPOOL_MAX", 256<<20)
	fs.Var(&f.spoolMax, "spool-max", "the `size` the spool may hold while the database is down: 256MiB, 1GB, or bytes (env ZHIYI_SPOOL_MAX)")
	fs.BoolVar(&f.record, "record", envBool("ZHIYI_RECORD", true), "record every decision in the decision log (env ZHIYI_RECORD)")
	fs.IntVar(&f.writerNice, "writer-nice", envInt("ZHIYI_WRITER_NICE", 10), "nice value (1-19) of the SQLite decision log's writer thread, with a processor of its own, so that requests come first under load; 0: an ordinary goroutine (env ZHIYI_WRITER_NICE)")
	fs.BoolVar(&f.learn, "learn", envBool("ZHIYI_LEARN", false), "learn from agents' corrections and cluster labels: continue the bundle behind its evaluation gate and reload the promoted one; a restart serves it again (--data-dir/serving.json) (env ZHIYI_LEARN)")
	fs.DurationVar(&f.learnEvery, "learn-every", envDuration("ZHIYI_LEARN_EVERY", time.Hour), "how often --learn looks for new corrections (env ZHIYI_LEARN_EVERY)")
	fs.IntVar(&f.learnMin, "learn-min", envInt("ZHIYI_LEARN_MIN", defaultLearnMin), "new corrections --learn waits for (env ZHIYI_LEARN_MIN)")
	fs.IntVar(&f.learnKeep, "learn-keep", envInt("ZHIYI_LEARN_KEEP", learn.DefaultKeep), "learnt bundles --learn keeps beside --model, the newest; older ones are removed after each promotion, never the one serving nor its parents up to that many bundles in all (rollbacks), nor a bundle another zhiyi process serves; 0: keep all (env ZHIYI_LEARN_KEEP)")
	fs.BoolVar(&f.console, "console", envBool("ZHIYI_CONSOLE", false), "serve the operator console under /console (needs an admin token) (env ZHIYI_CONSOLE)")
	fs.StringVar(&f.consolePrefix, "console-prefix", os.Getenv("ZHIYI_CONSOLE_PREFIX"), "the path a reverse proxy serves zhiyi under and strips before passing requests on (/zhiyi for https://shop.example/zhiyi/console/): the console's links, redirects and cookies carry it; empty: the console is at /console (env ZHIYI_CONSOLE_PREFIX)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", os.Getenv("ZHIYI_TRUSTED_PROXIES"), "the reverse proxies in front of zhiyi, comma-separated IP addresses or CIDR ranges (127.0.0.1,::1,10.0.0.0/8): a request from one counts as the client its X-Forwarded-For names (the proxy must set the header, not pass the client's on), for the admin API's and the console's limits on wrong tokens and the console's change log; empty: the connection's address, so that behind a proxy all its clients share one limit (env ZHIYI_TRUSTED_PROXIES)")
	fs.BoolVar(&f.sentimentHandoff, "sentiment-handoff", envBool("ZHIYI_SENTIMENT_HANDOFF", true), "hand urgent and strongly negative messages to a person (env ZHIYI_SENTIMENT_HANDOFF)")
	fs.IntVar(&f.escalateAfter, "escalate-after", envInt("ZHIYI_ESCALATE_AFTER", 2), "consecutive turns not understood before a conversation is handed off (env ZHIYI_ESCALATE_AFTER)")
	fs.DurationVar(&f.repeatWindow, "repeat-window", envDuration("ZHIYI_REPEAT_WINDOW", 10*time.Minute), "asking the same again this soon after an automatic answer is a repeat (env ZHIYI_REPEAT_WINDOW)")
	fs.BoolVar(&f.adaptMix, "adapt-mix", envBool("ZHIYI_ADAPT_MIX", false), "follow the traffic's intent mix (a 双11 surge of one question): every minute, re-estimate it from the model's own probabilities on the latest --adapt-mix-window messages and decide for it (env ZHIYI_ADAPT_MIX)")
	fs.IntVar(&f.adaptMixWindow, "adapt-mix-window", envInt("ZHIYI_ADAPT_MIX_WINDOW", 2000), "messages --adapt-mix estimates the mix from (env ZHIYI_ADAPT_MIX_WINDOW)")
	f.alerts.RegisterFlags(fs)
}

// The bounds of --adapt-mix-window: fewer messages cannot tell a mix from noise; more hold
// megabytes per intent and slow the minute's estimate for nothing a day's traffic does not show.
const (
	minMixWindow = 100
	maxMixWindow = 100000
)

func (f *serveFlags) validate() error {
	// Checked whether or not the feature is on: a value set now, in a flag or in the
	// environment, should not wait to fail until someone turns the feature on.
	if f.adaptMixWindow < minMixWindow || f.adaptMixWindow > maxMixWindow {
		return fmt.Errorf("--adapt-mix-window (env ZHIYI_ADAPT_MIX_WINDOW) %d: want %d to %d messages", f.adaptMixWindow, minMixWindow, maxMixWindow)
	}
	// Zero or less would be taken as the packages' defaults, unsaid (--escalate-after 0 meant 2);
	// a conversation of thousands of turns would be read and written whole with every message.
	for _, c := range []struct {
		flag, env string
		got       any
		bad       bool
		want      string
	}{
		{"--escalate-after", "ZHIYI_ESCALATE_AFTER", f.escalateAfter, f.escalateAfter < 1, "1 or more turns"},
		{"--session-max-turns", "ZHIYI_SESSION_MAX_TURNS", f.maxTurns, f.maxTurns < 1 || f.maxTurns > maxSessionTurns,
			fmt.Sprintf("1 to %d turns (the whole conversation is read and written with every message)", maxSessionTurns)},
		{"--session-max-conversations", "ZHIYI_SESSION_MAX_CONVERSATIONS", f.maxConvs, f.maxConvs < 1, "1 or more conversations"},
		{"--session-max-memory", "ZHIYI_SESSION_MAX_MEMORY", f.sessionMaxMemory, f.sessionMaxMemory <= 0, "a size above zero, such as 512MiB"},
		{"--learn-min", "ZHIYI_LEARN_MIN", f.learnMin, f.learnMin < 1, "1 or more corrections"},
		{"--learn-keep", "ZHIYI_LEARN_KEEP", f.learnKeep, f.learnKeep < 0 || f.learnKeep == 1, "0 (keep all), or 2 or more bundles (with 1, the serving bundle's parent would go, and a rollback with it)"},
		{"--repeat-window", "ZHIYI_REPEAT_WINDOW", f.repeatWindow, f.repeatWindow <= 0, "a duration above zero, such as 10m"},
		{"--session-ttl", "ZHIYI_SESSION_TTL", f.sessionTTL, f.sessionTTL <= 0, "a duration above zero, such as 30m"},
		{"--redis-timeout", "ZHIYI_REDIS_TIMEOUT", f.redisTimeout, f.redisTimeout <= 0, "a duration above zero, such as 50ms"},
		{"--learn-every", "ZHIYI_LEARN_EVERY", f.learnEvery, f.learnEvery <= 0, "a duration above zero, such as 1h"},
		{"--spool-max", "ZHIYI_SPOOL_MAX", f.spoolMax, f.spoolMax <= 0, "a size above zero, such as 256MiB (the spool cannot be turned off; --record=false keeps no log at all)"},
	} {
		if c.bad {
			return fmt.Errorf("%s (env %s) %v: want %s", c.flag, c.env, c.got, c.want)
		}
	}
	if f.learn && !f.record {
		// corrections and labels are read from the decision log: without it --learn never learnt
		// and said nothing
		return errors.New("--learn (env ZHIYI_LEARN) learns from the corrections in the decision log, which --record=false (env ZHIYI_RECORD) turns off: drop one of them")
	}
	if _, err := parseProxies(f.trustedProxies); err != nil {
		return err
	}
	if err := console.CheckPathPrefix(f.consolePrefix); err != nil {
		return fmt.Errorf("--console-prefix (env ZHIYI_CONSOLE_PREFIX): %w", err)
	}
	// A variable the flag overrides is checked all the same (numbers and durations are, as they
	// are read): a malformed one is a mistake waiting for the day the flag goes.
	if v, ok := os.LookupEnv("ZHIYI_TRUSTED_PROXIES"); ok {
		if _, err := parseProxies(v); err != nil {
			return err
		}
	}
	if v, ok := os.LookupEnv("ZHIYI_RETAIN"); ok {
		if _, err := retention(v); err != nil {
			return err
		}
	}
	if f.writerNice < 0 || f.writerNice > 19 {
		return fmt.Errorf("--writer-nice (env ZHIYI_WRITER_NICE) %d: want 1 (a little below the requests) to 19 (lowest), or 0 to leave the writer an ordinary goroutine", f.writerNice)
	}
	if _, err := retention(f.retain); err != nil {
		return err
	}
	return nil
}

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi serve", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi serve [--model DIR] [--addr :8080] [flags]\n\n"+
		"Serves POST /intent and the rest of the HTTP API (docs/api.md). Every flag can also be set\n"+
		"by the environment variable named with it (the flag wins); a malformed one is an error.")
	var cfg serve.Config
	cfg.RegisterFlags(fs)
	var sf serveFlags
	sf.register(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := sf.validate(); err != nil {
		return err
	}
	cfg.TrustedProxies, _ = parseProxies(sf.trustedProxies) // checked by validate
	if envErr != nil {
		return envErr
	}
	// One write per batch of request lines, not per request; flushed on the way out.
	logOut := serve.NewLogWriter(stderr, 200*time.Millisecond)
	defer logOut.Close()
	log, err := serve.NewLogger(logOut, cfg.LogLevel)
	if err != nil {
		return err
	}
	// An older zhiyi train killed between the two renames of its commit left no bundle at
	// --model but the previous one beside it: put it back rather than fail.
	if _, err := os.Stat(cfg.ModelDir); errors.Is(err, iofs.ErrNotExist) {
		done, err := intent.CleanBundleLitter(cfg.ModelDir)
		for _, d := range done {
			fmt.Fprintf(stderr, "%s (left by an interrupted zhiyi train)\n", d)
		}
		if err != nil {
			fmt.Fprintf(stderr, "cannot repair %s: %v\n", cfg.ModelDir, err)
		}
	}
	if n := utf8.RuneCountInString(cfg.AdminToken); n > 0 && n < minAdminTokenRunes {
		// the admin API's lockout (5 wrong tokens in 15 minutes per address) slows guessing; its
		// strength is still the token's
		log.Warn("the admin token is short: whoever reaches the admin routes may guess it; use 16 or more random characters (openssl rand -hex 16)",
			slog.Int("characters", n))
	}
	w, err := wire(ctx, cfg, sf, log)
	if err != nil {
		return err
	}
	defer w.close()
	if w.writerThread && os.Getenv("GOMAXPROCS") == "" {
		// the writer's thread holds a processor while it inserts: one more, so that the
		// requests keep theirs (docs/benchmarks.md: p99 11 → 5 ms under wrk on two vCPUs)
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
	srv, err := w.newServer(cfg)
	if err != nil {
		return err
	}
	w.started(ctx, srv)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go srv.ReloadOn(ctx, hup)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "zhiyi ready on %s (model %s) — try:\n  curl -s -X POST http://%s/intent -H 'Content-Type: application/json' -d '{\"text\":%s}'\n",
		ln.Addr(), srv.ModelVersion(), curlHost(ln.Addr()), tryText(srv.ModelDir()))
	if sf.console && cfg.AdminToken != "" {
		fmt.Fprintln(stdout, consoleLine(curlHost(ln.Addr()), sf.consolePrefix))
	}
	return srv.Serve(ctx, ln)
}

// consoleLine is the ready line's pointer to the console. Under --console-prefix the console
// works only through the proxy: its forms post under the prefix and its cookies' path carries
// it, so the listener's own /console shows a sign-in page that leads to a 404; the line named
// that address all the same.
func consoleLine(host, prefix string) string {
	if prefix == "" {
		return "console: http://" + host + "/console (sign in with the admin token)"
	}
	return "console: through the reverse proxy, at " + prefix + "/console/ of its site (sign in with the admin token; http://" + host + "/console itself is not usable with --console-prefix " + prefix + ")"
}

// tryText is the ready line's example, JSON-quoted for a shell's single quotes: the first
// example question of the bundle's knowledge base (a broadband shop's, not the sample's 退货).
func tryText(dir string) string {
	text := "你好"
	if kb, err := index.LoadKB(filepath.Join(dir, intent.KBFile)); err == nil {
		text = cmp.Or(kb.SampleQuestion(), text)
	}
	b, _ := json.Marshal(strings.ReplaceAll(text, "'", "’"))
	return string(b)
}

// curlHost turns a listen address such as [::]:8080 into one curl can reach.
func curlHost(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// parseProxies reads --trusted-proxies: addresses (a /32 or /128 each) and CIDR ranges,
// comma-separated.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		bad := func(why string) error {
			return fmt.Errorf("--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) %q: %s", f, why)
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, bad("want the proxies' IP addresses (or CIDR ranges), comma-separated: 127.0.0.1,::1")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() { // ::ffff:10.0.0.1 is 10.0.0.1, as clients' addresses are read
			if p.Bits() < 96 {
				return nil, bad("an IPv4-mapped range shorter than /96")
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		switch {
		case p != p.Masked():
			return nil, bad(fmt.Sprintf("bits set past the /%d: %s, or the address alone?", p.Bits(), p.Masked()))
		case p.Bits() == 0:
			return nil, bad("every address would be a proxy, and any client could name itself in X-Forwarded-For")
		}
		out = append(out, p)
	}
	return out, nil
}
