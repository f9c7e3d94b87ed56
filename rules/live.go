package rules

import "sync/atomic"

// Live holds the Set a server matches with. Load swaps in a new Set atomically; a file that
// fails to load changes nothing, so the old rules keep serving. The zero Live holds no Set
// (Current returns nil, and a nil *Set matches nothing). Safe for concurrent use.
type Live struct {
	p atomic.Pointer[Set]
}

// Current returns the Set in use, or nil before the first successful Load.
func (l *Live) Current() *Set { return l.p.Load() }

// Load reads the rules file at path and, when it is valid, makes it current. On an error (every
// problem with file:line) the current Set stays.
func (l *Live) Load(path string, opt Options) error {
	s, err := Load(path, opt)
	if err != nil {
		return err
	}
	l.p.Store(s)
	return nil
}

// Store makes s current (a Set parsed elsewhere, e.g. from a bundle).
func (l *Live) Store(s *Set) { l.p.Store(s) }
