package authlimit

import (
	"container/list"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Defaults shared by the console's sign-in and the admin API: five guesses per quarter hour
// cost an operator who mistypes little and an attacker a great deal.
const (
	DefaultAttempts   = 5
	DefaultWindow     = 15 * time.Minute
	DefaultMaxClients = 10000
)

// Limiter counts failed attempts per client within a sliding window. The zero value is not
// usable; build one with New. It is safe for concurrent use.
//
// A caller reserves an attempt with Begin before it compares the secret and settles it after
// (Attempt.Succeed, Fail or Cancel). Until settled the attempt counts as a failure, so a client
// sending many guesses at once has at most Attempts of them compared per window: checking and
// counting in two steps would let every one of them pass the check before the first failure
// was counted.
//
// Memory is bounded: at most maxClients clients are remembered. To make room for a new client
// the least recently active client neither blocked nor with an attempt in flight is forgotten,
// with its failures, so failures from many addresses flush no lockout while there is such a
// client. Only when every client remembered is blocked or has an attempt in flight is the one
// that became so first forgotten. Refusing the new client instead would let an attacker who
// keeps maxClients lockouts up (Attempts wrong guesses per window from each of maxClients
// addresses, or IPv6 /64s) keep every operator out, and buy little: an attacker with that many
// addresses can take turns among them anyway, each stopping one short of a lockout, forgotten
// and starting afresh. Counting per client in bounded memory cannot stop that; the secret's
// strength has to.
type Limiter struct {
	attempts   int
	window     time.Duration
	maxClients int

	mu      sync.Mutex
	clients map[string]*entry
	// Each client remembered is in one of two lists. free holds those neither blocked nor with
	// an attempt in flight, least recently active first: they are forgotten first. held holds the
	// others in the order they became so, roughly the order their lockouts end; a lockout that
	// ended is noticed at the front or when its client comes back (within a window either way).
	free, held list.List
}

// entry is one client's failures and attempts in flight, each oldest first; together at most
// attempts of them, since only the attempts-th newest decides whether and how long the client
// is blocked.
type entry struct {
	client  string
	el      *list.Element // in Limiter.free or Limiter.held; nil once forgotten
	held    bool          // el is in Limiter.held
	fails   []time.Time
	pending []time.Time // when the attempts not yet settled began
}

// New returns a limiter blocking a client after attempts failures within window, remembering
// at most maxClients clients. Zero or negative values take the defaults.
func New(attempts int, window time.Duration, maxClients int) *Limiter {
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if window <= 0 {
		window = DefaultWindow
	}
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	return &Limiter{attempts: attempts, window: window, maxClients: maxClients, clients: map[string]*entry{}}
}

// Attempts returns how many failures within the window block a client.
func (l *Limiter) Attempts() int { return l.attempts }

// Window returns the period failures are counted over.
func (l *Limiter) Window() time.Duration { return l.window }

// Attempt is one guess Begin admitted. Settle it exactly once, with Succeed, Fail or Cancel, as
// soon as the secret has been compared; until then it counts as a failure (one left unsettled
// for a whole window is forgotten). An Attempt is for the goroutine that began it.
type Attempt struct {
	l       *Limiter
	e       *entry
	at      time.Time
	settled bool
}

// Begin reserves an attempt of client at now, to be made right after: the caller compares the
// secret only when ok, and then settles the attempt. When the client's failures and attempts
// in flight already number Attempts, ok is false and retryAfter says how long until the oldest
// of them leaves the window (should those in flight fail).
func (l *Limiter) Begin(client string, now time.Time) (a *Attempt, retryAfter time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	e := l.clients[client]
	if e != nil {
		l.recent(e, now)
		if wait, blocked := l.blocked(e, now); blocked {
			return nil, wait, false
		}
	} else {
		if len(l.clients) >= l.maxClients {
			el := l.free.Front()
			if el == nil {
				el = l.held.Front() // every client is held: the oldest goes (see Limiter)
			}
			l.remove(el.Value.(*entry))
		}
		e = &entry{client: client}
		l.clients[client] = e
	}
	e.pending = append(e.pending, now)
	l.place(e, now)
	return &Attempt{l: l, e: e, at: now}, 0, true
}

// Succeed settles a with the right secret: the client's failures are forgotten.
func (a *Attempt) Succeed() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	if a.settle() {
		a.e.fails = nil
		a.l.place(a.e, a.at)
	}
}

// Fail settles a with a wrong secret: it counts as a failure at the time Begin was called. It
// reports whether this failure is the one that blocks the client, so that a caller logs and
// counts each lockout once.
func (a *Attempt) Fail() (lockedOut bool) {
	l, e := a.l, a.e
	l.mu.Lock()
	defer l.mu.Unlock()
	if !a.settle() {
		return false
	}
	before := len(e.fails)
	i := len(e.fails)
	for i > 0 && e.fails[i-1].After(a.at) {
		i-- // settled out of order: keep them oldest first
	}
	e.fails = slices.Insert(e.fails, i, a.at)
	if len(e.fails) > l.attempts {
		e.fails = e.fails[len(e.fails)-l.attempts:] // begun before a success cleared the others
	}
	l.place(e, a.at)
	return before == l.attempts-1 && len(e.fails) == l.attempts
}

// Cancel settles a without a guess (the request was refused before its secret was compared):
// it counts for nothing.
func (a *Attempt) Cancel() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	if a.settle() {
		a.l.place(a.e, a.at)
	}
}

// settle takes a off its client's attempts in flight. It reports false when a was settled
// before or its client was forgotten since. Called with mu.
func (a *Attempt) settle() bool {
	if a.settled {
		return false
	}
	a.settled = true
	e := a.e
	if e.el == nil {
		return false
	}
	if i := slices.Index(e.pending, a.at); i >= 0 {
		e.pending = slices.Delete(e.pending, i, i+1)
	}
	return true
}

// Blocked reports whether client has used up its attempts at now, counting those in flight as
// failures, and if so how long until the oldest of them leaves the window. It counts nothing:
// it is for requests that guess nothing but must be refused alike when their client is blocked.
func (l *Limiter) Blocked(client string, now time.Time) (retryAfter time.Duration, blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	e := l.clients[client]
	if e == nil {
		return 0, false
	}
	l.place(e, now)
	return l.blocked(e, now)
}

// Len returns the clients remembered, for tests and metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// blocked is Blocked for a remembered client whose times are recent at now. Called with mu.
func (l *Limiter) blocked(e *entry, now time.Time) (time.Duration, bool) {
	n := len(e.fails) + len(e.pending)
	if n < l.attempts {
		return 0, false
	}
	counted := slices.SortedFunc(slices.Values(slices.Concat(e.fails, e.pending)), time.Time.Compare)
	return counted[n-l.attempts].Add(l.window).Sub(now), true
}

// recent drops e's failures and attempts in flight that left the window at now. Called with mu.
func (l *Limiter) recent(e *entry, now time.Time) {
	in := func(t time.Time) bool { return t.Add(l.window).After(now) }
	i := 0
	for i < len(e.fails) && !in(e.fails[i]) {
		i++
	}
	e.fails = e.fails[i:]
	e.pending = slices.DeleteFunc(e.pending, func(t time.Time) bool { return !in(t) })
}

// place puts e, its times made recent at now, in the list its state calls for: forgotten with
// nothing left in the window, held while blocked or with an attempt in flight, else free. A
// client moving lists goes to the back. Called with mu.
func (l *Limiter) place(e *entry, now time.Time) {
	l.recent(e, now)
	n := len(e.fails) + len(e.pending)
	if n == 0 {
		l.remove(e)
		return
	}
	held := len(e.pending) > 0 || n >= l.attempts
	if e.el != nil {
		if held == e.held {
			return
		}
		l.list(e.held).Remove(e.el)
	}
	e.held, e.el = held, l.list(held).PushBack(e)
}

func (l *Limiter) list(held bool) *list.List {
	if held {
		return &l.held
	}
	return &l.free
}

// expire forgets the free clients at the front with nothing left in the window and frees the
// held ones at the front no longer blocked: the fronts are the least recently active, so this
// costs one look per list and call, and one per client moved. Called with mu.
func (l *Limiter) expire(now time.Time) {
	for _, ls := range []*list.List{&l.free, &l.held} {
		for el := ls.Front(); el != nil; el = ls.Front() {
			e := el.Value.(*entry)
			if l.place(e, now); e.el == el {
				break // still there
			}
		}
	}
}

func (l *Limiter) remove(e *entry) {
	delete(l.clients, e.client)
	if e.el != nil {
		l.list(e.held).Remove(e.el)
		e.el = nil
	}
}

// ClientKey is the key of a client address: the address itself (an IPv4-mapped IPv6 address as
// IPv4), or for IPv6 its /64, which one host can fill with addresses at will.
func ClientKey(a netip.Addr) string {
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}
