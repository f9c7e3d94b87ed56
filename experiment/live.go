package experiment

import (
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
)

// Live holds the Set in force and rebuilds it when one of its inputs changes — a new bundle's
// knowledge base, the experiments file, fresh results — each time building a new Set and
// swapping it in atomically; a change that fails leaves the old Set serving. Assign on
// Current() never waits for a rebuild. The zero Live holds no Set (Current returns nil, which
// assigns nothing) until SetKB. Safe for concurrent use.
type Live struct {
	// Now is the clock gray periods are judged by; nil means time.Now. Set it before use.
	Now func() time.Time
	// Alpha is the significance level (DefaultAlpha when 0). Set it before use.
	Alpha float64

	mu  sync.Mutex // serialises rebuilds
	cfg Config
	p   atomic.Pointer[Set]
	// released are the gray answers released on their ratings by the Set in force: the next
	// Set keeps them released (see judgeGray). Kept in memory only: after a restart each is
	// judged afresh, on all its ratings since its gray start.
	released map[string]grayState
}

// Current returns the Set in force, or nil before the first SetKB.
func (l *Live) Current() *Set { return l.p.Load() }

// SetKB makes kb (a bundle's knowledge base, created at created) current with the experiments
// file and results in force. Overrides that no longer fit the new knowledge base are skipped,
// not refused, and returned as warnings to log: the bundle already serves when this is called
// (zhiyi serve checks the file against a bundle before it switches to it, and refuses one the
// file fits less well than the serving bundle's).
func (l *Live) SetKB(kb *index.KB, created time.Time) (warnings []string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	cfg.KB, cfg.Created = kb, created
	s, err := l.build(cfg, true)
	if err != nil {
		return nil, err
	}
	return s.Warnings(), nil
}

// LoadOverrides reads the experiments file at path and makes it current; an invalid file, or
// one that names experiments or answers the knowledge base does not have, is refused with
// file:line errors and the old overrides stay. The file in force read again unchanged is not
// refused for what a new knowledge base (SetKB) no longer has: those entries stay skipped, as
// SetKB skipped them (a reload reads the file again after every new bundle). Before SetKB it
// is only parsed and kept.
func (l *Live) LoadOverrides(path string) error {
	ov, err := LoadOverrides(path)
	if err != nil {
		return err
	}
	return l.SetOverrides(ov)
}

// SetOverrides makes ov current (nil: none), checked as LoadOverrides checks a file.
func (l *Live) SetOverrides(ov *Overrides) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	unchanged := ov != nil && cfg.Overrides != nil && reflect.DeepEqual(ov, cfg.Overrides)
	cfg.Overrides = ov
	_, err := l.build(cfg, unchanged)
	return err
}

// SetResults makes res the results gray answers are judged by (call it periodically with the
// decision log's aggregates); it also re-judges gray periods that have ended since.
func (l *Live) SetResults(res Results) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	cfg.Results = res
	_, err := l.build(cfg, true)
	return err
}

// SetOutcomes makes o the outcomes gray answers are judged by — each on its own window since
// its gray start, against the control's answers routed the same way (Config.Outcomes) — and
// re-judges gray periods that have ended since. o must not change afterwards (a Tally read and
// then left alone). Call it periodically with the decision log's outcomes since Set.GraySince.
func (l *Live) SetOutcomes(o Outcomes) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	cfg.Outcomes = o
	_, err := l.build(cfg, true)
	return err
}

// build makes a Set of cfg current and keeps cfg; without a knowledge base it only keeps cfg.
func (l *Live) build(cfg Config, ignoreStale bool) (*Set, error) {
	if cfg.KB == nil {
		l.cfg = cfg
		return nil, nil
	}
	cfg.IgnoreStale = ignoreStale
	cfg.Alpha = l.Alpha
	cfg.Now = time.Now()
	if l.Now != nil {
		cfg.Now = l.Now()
	}
	cfg.released = l.released
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	l.cfg = cfg
	l.released = s.ratedReleases()
	l.p.Store(s)
	return s, nil
}
