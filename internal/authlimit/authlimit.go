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
type Limiter struct {
	attempts   int
	window     time.Duration
	maxClients int

	mu      sync.Mutex
	clients map[string]*list.Element // client → its element of order
	order   *list.List               // *entry, least recently active first: eviction and expiry take the front
}

// entry is one client's failures and attempts in flight, each oldest first; together at most
// attempts of them, since only the attempts-th newest decides whether and how long the client
// is blocked.
type entry struct {
	client  string
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
	return &Limiter{attempts: attempts, window: window, maxClients: maxClients,
		clients: map[string]*list.Element{}, order: list.New()}
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
	el      *list.Element
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
	el := l.clients[client]
	if el == nil {
		for len(l.clients) >= l.maxClients {
			// Still full after expiry (failures from many addresses): forget the client
			// least recently active, so memory stays bounded and active clients stay limited.
			l.remove(l.order.Front())
		}
		el = l.order.PushBack(&entry{client: client})
		l.clients[client] = el
	} else if wait, blocked := l.blocked(el.Value.(*entry), now); blocked {
		return nil, wait, false
	}
	l.order.MoveToBack(el)
	e := el.Value.(*entry)
	e.pending = append(e.pending, now)
	return &Attempt{l: l, el: el, at: now}, 0, true
}

// Succeed settles a with the right secret: the client's failures are forgotten.
func (a *Attempt) Succeed() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	if e := a.settle(); e != nil {
		e.fails = nil
		a.l.forgetIdle(a.el)
	}
}

// Fail settles a with a wrong secret: it counts as a failure at the time Begin was called. It
// reports whether this failure is the one that blocks the client, so that a caller logs and
// counts each lockout once.
func (a *Attempt) Fail() (lockedOut bool) {
	l := a.l
	l.mu.Lock()
	defer l.mu.Unlock()
	e := a.settle()
	if e == nil {
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
	return before == l.attempts-1 && len(e.fails) == l.attempts
}

// Cancel settles a without a guess (the request was refused before its secret was compared):
// it counts for nothing.
func (a *Attempt) Cancel() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	if a.settle() != nil {
		a.l.forgetIdle(a.el)
	}
}

// settle takes a off its client's attempts in flight. It returns the client's entry, or nil
// when a was settled before or its client was forgotten since. Called with mu.
func (a *Attempt) settle() *entry {
	if a.settled {
		return nil
	}
	a.settled = true
	e := a.el.Value.(*entry)
	if a.l.clients[e.client] != a.el {
		return nil
	}
	if i := slices.Index(e.pending, a.at); i >= 0 {
		e.pending = slices.Delete(e.pending, i, i+1)
	}
	a.l.recent(e, a.at)
	return e
}

// Blocked reports whether client has used up its attempts at now, counting those in flight as
// failures, and if so how long until the oldest of them leaves the window. It counts nothing:
// it is for requests that guess nothing but must be refused alike when their client is blocked.
func (l *Limiter) Blocked(client string, now time.Time) (retryAfter time.Duration, blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	el := l.clients[client]
	if el == nil {
		return 0, false
	}
	wait, blocked := l.blocked(el.Value.(*entry), now)
	l.forgetIdle(el)
	return wait, blocked
}

// Len returns the clients remembered, for tests and metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// blocked is Blocked for a remembered client. Called with mu.
func (l *Limiter) blocked(e *entry, now time.Time) (time.Duration, bool) {
	l.recent(e, now)
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

// forgetIdle forgets el's client when it has neither failures nor attempts in flight. Called
// with mu.
func (l *Limiter) forgetIdle(el *list.Element) {
	if e := el.Value.(*entry); len(e.fails) == 0 && len(e.pending) == 0 {
		l.remove(el)
	}
}

// expire forgets the clients at the front with nothing left in the window: the front is the
// least recently active, so this costs one look per call and one per client forgotten. Called
// with mu.
func (l *Limiter) expire(now time.Time) {
	for el := l.order.Front(); el != nil; el = l.order.Front() {
		e := el.Value.(*entry)
		l.recent(e, now)
		if len(e.fails) > 0 || len(e.pending) > 0 {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.clients, el.Value.(*entry).client)
	l.order.Remove(el)
}

// ClientKey is the key of a client address: the address itself (an IPv4-mapped IPv6 address as
// IPv4), or for IPv6 its /64, which one host can fill with addresses at will.
func ClientKey(a netip.Addr) string {
	if a = a.Unmap(); a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}
