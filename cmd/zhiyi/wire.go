package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/console"
	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/store"
)

// wiring is everything zhiyi serve puts around the server: conversation state, rules,
// experiments, the decision log, alerts and learning. It outlives reloads; each bundle loaded
// gets a reply.Model over it.
type wiring struct {
	cfg serve.Config
	sf  serveFlags
	log *slog.Logger
	set *metrics.Set // the parts' metrics, written by GET /metrics

	sessions session.Store
	rules    *rules.Live // nil without --rules
	exps     experiment.Live
	db       *store.DB
	rec      *store.Recorder
	alerter  *alert.Alerter
	// alertShopGiven says the alerts file named the shop (shop:): the bundles' kb.yaml do not.
	alertShopGiven bool
	// shop is kb.yaml's shop of the bundle serve started with (bundleShop): its decision log
	// and Redis prefix are claimed for it, and a reload of another shop's bundle is refused.
	shop string

	// mixGauges are the intents whose share /metrics shows (--adapt-mix): those of the bundle
	// serving, the others' gauges removed at the next update.
	mixGauges map[string]bool
	console   *console.Console // nil without --console and an admin token
	partsMu   sync.Mutex       // serialises reloadParts
	// learning keeps what --learn may learn from: corrections since the serving bundle was
	// made, and since the last switch to an older bundle (a rollback's corrections stay
	// rolled back).
	learning learnWindow
	// learnRefused is the judgedKey of the last batch --learn refused: not judged again as it is
	learnRefused atomic.Uint64
	// resultsFailing says the last refresh of the experiments' results failed: the next
	// failures of the outage go to debug, the recovery to info.
	resultsFailing atomic.Bool
	// base is --model's version when it started serving (--learn): a restart resumes the
	// serving record only under the same one.
	base      string
	convLocks reply.ConversationLocks // shared by the Repliers of every bundle loaded
	// writerThread says the decision log's writer has a low-priority thread of its own
	// (--writer-nice with SQLite), which wants a processor of its own too.
	writerThread bool
	srv          *serve.Server
	stop         context.CancelFunc
	// bg is the background work started runs (results, the mix, learning): close stops it and
	// waits for it before it closes the database it reads, so no refresh or learn is left
	// mid-query on a closed database (a learn stopped so promotes nothing; the next start
	// learns its corrections again).
	bg sync.WaitGroup
}

// wire builds the parts from the flags. A part that cannot start (a bad Redis URL, a database
// that cannot be opened, a bad alerts file) is an error before anything serves.
func wire(ctx context.Context, cfg serve.Config, sf serveFlags, log *slog.Logger) (*wiring, error) {
	w := &wiring{cfg: cfg, sf: sf, log: log, set: metrics.NewSet()}
	w.convLocks.MaxWait = conversationWait(sf.redisTimeout)
	var err error
	hashKey := sf.storeFlags.config().HashKey // --hash-key keys conversation ids too
	shop := bundleShop(cfg.ModelDir)          // kb.yaml's shop: Redis's prefix and the decision log are claimed for it
	w.shop = shop
	if sf.redis != "" {
		// the prefix is claimed for the shop: another shop's replicas on it are refused
		w.sessions, err = session.NewRedis(ctx, session.RedisConfig{URL: sf.redis, Prefix: sf.redisPrefix, TTL: sf.sessionTTL,
			Timeout: sf.redisTimeout, Logger: log, Metrics: w.set, HashKey: hashKey, Owner: shop})
	} else {
		w.sessions = session.NewMemory(session.MemoryConfig{MaxConversations: sf.maxConvs, MaxBytes: int64(sf.sessionMaxMemory),
			TTL: sf.sessionTTL, Metrics: w.set, HashKey: hashKey})
	}
	if err != nil {
		return nil, err
	}
	sf.warnHashKey(log, sf.redis != "")
	if sf.rules != "" {
		w.rules = new(rules.Live)
	}
	// The alerts file is read before anything starts: a mistake in it is the first thing said.
	var acfg alert.Config
	if sf.alerts.Enabled() {
		if acfg, err = sf.alerts.Config(); err != nil {
			w.close()
			return nil, err
		}
	}
	if sf.record {
		// ConnectLater: a replica restarted while PostgreSQL is down answers, and its decisions spool
		cfg := sf.storeFlags.config()
		cfg.Logger, cfg.ConnectLater = log, true
		cfg.Shop = shop // the log is claimed for the shop: another shop's is refused
		if w.db, err = store.Open(ctx, cfg); err != nil {
			w.close()
			return nil, err
		}
		retain, err := retention(sf.retain)
		if err != nil {
			w.close()
			return nil, err
		}
		nice := 0
		if w.db.Kind() == "sqlite" {
			// SQLite's inserts run in this process (~10 µs of CPU a decision): on a thread of
			// their own at low priority (runServe adds a processor for it)
			nice = sf.writerNice
			w.writerThread = nice > 0
		}
		if w.rec, err = store.NewRecorder(w.db, store.RecorderConfig{DataDir: sf.dataDir, SpoolMax: int64(sf.spoolMax), Retain: retain, WriterNice: nice,
			Metrics: w.set, Logger: log}); err != nil {
			w.close()
			return nil, err
		}
	}
	if sf.alerts.Enabled() {
		acfg.Logger, acfg.Metrics = log, w.set
		w.alertShopGiven = acfg.Shop != ""
		if w.alerter, err = alert.New(acfg); err != nil {
			w.close()
			return nil, err
		}
	}
	if sf.experiments != "" {
		err := w.exps.LoadOverrides(sf.experiments)
		if errors.Is(err, iofs.ErrNotExist) {
			// Not an error (the console writes the file when a variant is first stopped), but a
			// mistyped path would otherwise go unnoticed until then.
			log.Warn("experiments: no file yet, so no overrides; the console's stop writes it", slog.String("path", sf.experiments))
			if _, derr := os.Stat(filepath.Dir(sf.experiments)); derr != nil {
				w.close()
				return nil, fmt.Errorf("--experiments %s: its directory: %w", sf.experiments, derr)
			}
		} else if err != nil {
			w.close()
			return nil, err
		}
	}
	if sf.console {
		if cfg.AdminToken == "" {
			log.Warn("--console needs an admin token (--admin-token or ZHIYI_ADMIN_TOKEN): the console is off")
		} else if w.console, err = console.New(w.consoleDeps()); err != nil {
			w.close()
			return nil, err
		}
	}
	return w, nil
}

// consoleDeps are the parts the console works with. The server does not exist yet: what it
// knows (the bundle serving, reloads) is read when the console asks, once it serves.
func (w *wiring) consoleDeps() console.Deps {
	d := console.Deps{
		Model:   w.serving,
		Acquire: w.acquire,
		Tester: func(m *reply.Model, s session.Store) *reply.Model {
			rc := m.ReplyConfig()
			rc.Sessions, rc.Metrics, rc.Log = s, nil, nil // its own conversations, counted nowhere
			// decided with the live intent mix, if any, without adding to it
			return reply.NewModel(m.Engine.ReadOnlyMix(), reply.New(rc))
		},
		ModelDir: func() string {
			if w.srv == nil {
				return w.cfg.ModelDir
			}
			return w.srv.ModelDir()
		},
		Reload: func(ctx context.Context, dir string) error {
			if w.srv == nil {
				return errors.New("the server is not serving yet")
			}
			err := w.srv.Reload(ctx, dir) // the bundle, then reloadParts
			if errors.Is(err, serve.ErrPartsRefused) && !errors.Is(err, serve.ErrNotRecorded) {
				// 模型 names the files' lines rather than saying the bundle did not load
				return fmt.Errorf("%w: %s", console.ErrPartsRefused, strings.TrimPrefix(err.Error(), serve.ErrPartsRefused.Error()+": "))
			}
			return err
		},
		Parent:          learn.Parent,
		ModelsRoot:      cmp.Or(w.cfg.ModelsRoot, filepath.Dir(filepath.Clean(w.cfg.ModelDir))),
		RulesPath:       w.sf.rules,
		Rules:           w.rules,
		ExperimentsPath: w.sf.experiments,
		PathPrefix:      w.sf.consolePrefix,
		Experiments:     &w.exps,
		AdminToken:      w.cfg.AdminToken,
		Log:             w.log,
		RulesOptions: func() rules.Options {
			if m := w.serving(); m != nil {
				return w.rulesOptions(m.Engine)
			}
			return rules.Options{}
		},
	}
	if w.db != nil {
		d.DB = w.db
		d.Forget = w.forget
	}
	if w.alerter != nil {
		d.AlertMetrics = w.alerter.Metrics()
	}
	d.TrustedProxies = w.cfg.TrustedProxies // from --trusted-proxies, as the admin API counts clients
	return d
}

// conversationWait is how long a message waits for its conversation while another message of
// it is being decided, before it is decided without its context (zhiyi_conversation_busy_total).
// serve decides under a context that never ends, so without a bound one busy group chat (all
// its senders share one conversation) would queue requests for as long as the burst lasts,
// past the gateways' own timeouts. A holder keeps the lock for a load, a decision and a save:
// a few state timeouts, and never under 200ms, so that a busy processor alone does not cost a
// conversation its context.
func conversationWait(stateTimeout time.Duration) time.Duration {
	return max(4*stateTimeout, 200*time.Millisecond)
}

// retention reads --retain: 90d, 720h, or 0 (0d, 0h …) for forever.
func retention(v string) (time.Duration, error) {
	if v == "0" || v == "" {
		return -1, nil // store: a negative Retain keeps everything
	}
	d, err := period.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("--retain (env ZHIYI_RETAIN) %w, or 0 to keep every decision", err)
	}
	if d == 0 {
		return -1, nil // 0d is 0: forever, not the store's default for an unset Retain
	}
	return d, nil
}

// load is the server's Loader: the engine, its sentiment lexicon and a replier over the parts.
func (w *wiring) load(ctx context.Context, dir string) (serve.Engine, error) {
	eng, err := intent.Load(ctx, dir)
	if err != nil {
		return nil, err // never a typed nil Engine
	}
	tone, err := reply.BundleSentiment(dir)
	if err != nil {
		eng.Close()
		return nil, err
	}
	w.warnKB(dir, eng.Version())
	if w.rules != nil && w.rules.Current() == nil {
		// the first load: rules that do not load keep zhiyi from starting
		if err := w.loadRules(w.rulesOptions(eng)); err != nil {
			eng.Close()
			return nil, fmt.Errorf("--rules: %w", err) // the bundle loaded: say what did not
		}
		w.warnRules()
	}
	if w.sf.adaptMix {
		// before anything is switched to the new bundle: a bundle without a training mix serves
		// without following the traffic's, and says so
		if live, mix, err := eng.WithLiveMix(intent.MixConfig{Window: w.sf.adaptMixWindow}); err != nil {
			w.log.Warn("--adapt-mix: serving without following the intent mix", slog.String("model", eng.Version()), slog.String("error", err.Error()))
		} else {
			eng = live
			// a reload mid-surge goes on deciding for the traffic's mix, not the training one
			if cur := w.serving(); cur != nil && mix.Carry(cur.Engine.Mix()) {
				w.log.Info("--adapt-mix: the intent mix carried over to the bundle loaded", slog.String("model", eng.Version()),
					slog.Int64("messages", mix.Seen()), slog.Bool("estimated", mix.Estimated()))
			}
		}
	}
	if w.srv == nil {
		// the first load: experiments that do not fit keep zhiyi from starting, as a reload
		// refuses a bundle the file fits less well than the serving one (checkExperiments; the
		// overrides in force skip entries with a warning only when the file on disk is not
		// theirs, or fits neither bundle). A later bundle's knowledge base is
		// made current once the server has switched to it (reloadParts): a load it gives up on
		// must change nothing that serves.
		warnings, err := w.exps.SetKB(eng.KB(), eng.Manifest().AnswersFrom())
		if err == nil && len(warnings) > 0 {
			for i, w := range warnings {
				warnings[i] = strings.TrimSuffix(w, " (ignored)") // refused here, not ignored
			}
			err = fmt.Errorf("the experiments file names what the knowledge base lacks:\n  %s", strings.Join(warnings, "\n  "))
		}
		if err != nil {
			eng.Close()
			return nil, err
		}
	}
	rc := reply.Config{Sessions: w.sessions, Experiments: w.exps.Current, Sentiment: tone, NoSentimentHandoff: !w.sf.sentimentHandoff,
		StateTimeout: w.sf.redisTimeout, MaxTurns: w.sf.maxTurns, EscalateAfter: w.sf.escalateAfter, RepeatWindow: w.sf.repeatWindow, Metrics: w.set, Log: w.log,
		Locks: &w.convLocks} // one for every bundle's Replier: a reload's old and new decide at once
	if w.rules != nil {
		rc.Rules = w.rules.Current
	}
	if w.srv == nil {
		w.nameShop(eng) // a reload's, once it serves: reloadParts
	}
	return reply.NewModel(eng, reply.New(rc)), nil
}

// bundleShop is the shop kb.yaml names in the bundle in dir; "" when it cannot be read (the
// bundle's load then says why).
func bundleShop(dir string) string {
	kb, err := index.LoadKB(filepath.Join(dir, intent.KBFile))
	if err != nil {
		return ""
	}
	return kb.Shop
}

// nameShop gives the alerts the shop of eng's knowledge base (kb.yaml's shop:), unless the
// alerts file names the shop: several shops alerting into one group robot are told apart.
func (w *wiring) nameShop(eng *intent.Engine) {
	if w.alerter == nil || w.alertShopGiven {
		return
	}
	if kb := eng.KB(); kb != nil {
		w.alerter.SetShop(kb.Shop)
	}
}

// setKB makes eng's knowledge base the experiments' (experiment.Live.SetKB), logging the
// overrides that no longer fit it.
func (w *wiring) setKB(eng *intent.Engine) error {
	warnings, err := w.exps.SetKB(eng.KB(), eng.Manifest().AnswersFrom())
	for _, warn := range warnings {
		w.log.Warn("experiments", slog.String("warning", warn))
	}
	return err
}

// serving returns the model the server decides with now; nil before it serves. The wiring keeps
// no copy of its own: a load the server gave up on (Config.ReloadTimeout) must not become what
// the console, the rules or learning work with.
func (w *wiring) serving() *reply.Model {
	if w.srv == nil {
		return nil
	}
	m, _ := w.srv.CurrentEngine().(*reply.Model)
	return m
}

// acquire returns the model serving now, held open until release (serve.Server.Acquire): the
// console decides and clusters with it across a reload, which would otherwise close its index
// mid-test and leave its decisions silently without retrieval. nil before it serves.
func (w *wiring) acquire() (*reply.Model, func()) {
	if w.srv == nil {
		return nil, func() {}
	}
	h, release := w.srv.Acquire()
	m, ok := h.Engine.(*reply.Model)
	if !ok {
		release()
		return nil, func() {}
	}
	return m, release
}

func (w *wiring) rulesOptions(eng *intent.Engine) rules.Options {
	opt := rules.Options{Analyzer: eng.Analyzer()}
	if kb := eng.KB(); kb != nil {
		opt.Intents = func(id string) bool { _, ok := kb.Intent(id); return ok || id == intent.NoneIntent }
	}
	return opt
}

// reloadParts reloads what goes with the bundle: the experiments' knowledge base, the rules
// (checked against the new bundle's intents) and the experiments file. A file that fails keeps its previous version serving. It is
// the server's reload hook, so every serve.Server.Reload runs it: the admin reload and rollback,
// SIGHUP, the console's promote and rollback, and learning.
func (w *wiring) reloadParts(ctx context.Context) error {
	// Reloads may overlap (SIGHUP, the admin route, the console, learning): one at a time,
	// each reading the bundle serving when it runs, so the last one leaves the parts built for
	// the last bundle.
	w.partsMu.Lock()
	defer w.partsMu.Unlock()
	var errs []error
	if m := w.serving(); m != nil {
		w.noteServing(m)
		w.nameShop(m.Engine)
		if err := w.setKB(m.Engine); err != nil {
			errs = append(errs, err)
		}
		if w.rules != nil {
			if err := w.loadRules(w.rulesOptions(m.Engine)); err != nil {
				errs = append(errs, err)
			} else {
				w.warnRules()
			}
		}
	}
	if w.sf.experiments != "" {
		err := w.exps.LoadOverrides(w.sf.experiments)
		if errors.Is(err, iofs.ErrNotExist) {
			// as at start: no file, no overrides (a deleted file's stops must not outlive it)
			err = w.exps.SetOverrides(nil)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// options are the server's optional parts.
func (w *wiring) options() []serve.Option {
	opts := []serve.Option{serve.WithMetrics(w.set), serve.WithReloadCheck(w.checkParts), serve.WithReloadHook(w.reloadParts), serve.WithRollback(learn.Parent)}
	if w.rec != nil {
		opts = append(opts, serve.WithRecorder(w.rec, w.db.Hash), serve.WithUnmatched(w.unmatched), serve.WithForget(w.forget))
	}
	if w.alerter != nil {
		opts = append(opts, serve.WithAlerter(w.alerter)) // its series are in w.set already
	}
	if w.console != nil {
		opts = append(opts, serve.WithConsole(w.console.Handler()))
	}
	return opts
}

// started runs the background work once the server serves: the spool's size to the alerter,
// the experiments' results from the log, learning.
func (w *wiring) started(ctx context.Context, srv *serve.Server) {
	w.srv = srv
	if m := w.serving(); m != nil {
		w.noteServing(m) // the bundle a rollback is older than
	}
	ctx, w.stop = context.WithCancel(ctx)
	if w.alerter != nil && w.rec != nil {
		w.bg.Go(func() {
			w.alerter.WatchSpool(ctx, 10*time.Second, func() int64 { return w.rec.Stats().SpoolRecords },
				func() uint64 { return w.rec.Stats().Dropped })
		})
	}
	if w.sf.adaptMix {
		w.bg.Go(func() { w.every(ctx, time.Minute, w.updateMix) })
	}
	if w.db != nil {
		w.bg.Go(func() { w.every(ctx, 5*time.Minute, w.refreshResults) })
		if w.sf.learn {
			// exported from the start, at 0
			w.set.GetOrCreateCounter(learnNotServed)
			w.set.GetOrCreateCounter(learnPruned)
			for _, r := range learnResults {
				w.set.GetOrCreateCounter(learnRuns(r))
			}
			w.checkLearnDir()
			w.bg.Go(func() { w.every(ctx, w.sf.learnEvery, w.learnOnce) })
		}
	}
}

// unmatched is GET /admin/unmatched: the period's unmatched decisions, clustered as zhiyi
// unmatched does (board.Unmatched).
func (w *wiring) unmatched(ctx context.Context, e serve.Engine, since time.Time) (any, error) {
	m, ok := e.(*reply.Model)
	if !ok {
		return nil, errors.New("the engine cannot cluster")
	}
	res, err := board.Unmatched(ctx, w.db, m.Engine, board.UnmatchedQuery{Since: since})
	if err != nil {
		return nil, err
	}
	return res.Lines, nil
}

// close stops the background work and closes the parts, the decision log's queue flushed first.
func (w *wiring) close() {
	if w.stop != nil {
		w.stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		w.bg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		w.log.Warn("background work (results, learning) did not stop within 10s; closing anyway")
	}
	if w.alerter != nil {
		if err := w.alerter.Close(ctx); err != nil {
			w.log.Error("alerts not all delivered at shutdown", slog.String("error", err.Error()))
		}
	}
	if w.rec != nil {
		_ = w.rec.Close()
	}
	if w.db != nil {
		_ = w.db.Close()
	}
	if w.sessions != nil {
		_ = w.sessions.Close()
	}
	_ = os.Stdout.Sync()
}

// warnRules logs what loaded but the operator should see (rules.Set.Warnings: rules that can
// never fire, ids that read as order numbers), at every load.
func (w *wiring) warnRules() {
	if s := w.rules.Current(); s != nil {
		for _, msg := range s.Warnings() {
			w.log.Warn("--rules: loaded with a warning", slog.String("warning", msg))
		}
	}
}
