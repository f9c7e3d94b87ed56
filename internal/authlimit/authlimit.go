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
// Guess compares a secret and counts its failure in one step, holding the limiter: guesses
// sent at once are compared one at a time, each failure counted before the next is compared, so
// a client has at most Attempts compared per window however many it sends together, and right
// secrets sent together are never refused for one another. Checking and counting in two steps
// let every guess of a burst pass the check before the first failure was counted; counting a
// guess being compared as a failure (the other way to close that gap) refused an operator's
// parallel requests with the right secret for a whole window. A comparison in constant time of
// two hashes takes well under a microsecond, so holding the limiter through it costs nothing.
//
// Memory is bounded: at most maxClients clients are remembered. To make room for a new client
// the least recently active client not blocked is forgotten, with its failures, so failures
// from many addresses flush no lockout while there is such a client. Only when every client
// remembered is blocked is the one blocked first forgotten. Refusing the new client instead
// would let an attacker who keeps maxClients lockouts up (Attempts wrong guesses per window
// from each of maxClients addresses, or IPv6 /64s) keep every operator out, and buy little: an
// attacker with that many addresses can take turns among them anyway, each stopping one short
// of a lockout, forgotten and starting afresh. Counting per client in bounded memory cannot
// stop that; the secret's strength has to.
type Limiter struct {
	attempts   int
	window     time.Duration
	maxClients int

	mu      sync.Mutex
	clients map[string]*entry
	// Each client remembered is in one of two lists. free holds those not blocked, least
	// recently active first: they are forgotten first. held holds the blocked ones in the order
	// they became so, roughly the order their lockouts end; a lockout that ended is noticed at
	// the front or when its client comes back (within a window either way).
	free, held list.List
}

// entry is one client's failures, oldest first; at most attempts of them, since only the
// attempts-th newest decides whether and how long the client is blocked.
type entry struct {
	client string
	el     *list.Element // in Limiter.free or Limiter.held; nil once forgotten
	held   bool          // el is in Limiter.held
	fails  []time.Time
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

// Verdict is what Guess found.
type Verdict struct {
	// Right: the secret was compared and was right; the client's failures are forgotten.
	Right bool
	// Blocked: the client had used up its attempts, and nothing was compared; RetryAfter is how
	// long until the oldest counted failure leaves the window and it may try again.
	Blocked    bool
	RetryAfter time.Duration
	// LockedOut: this wrong guess is the one that blocked the client, so that a caller logs and
	// counts each lockout once.
	LockedOut bool
}

// Guess is one attempt of client at now: unless the client is blocked, right is called to
// compare the secret — holding the limiter, so keep it to a comparison in constant time — and
// a wrong one counts as a failure at now.
func (l *Limiter) Guess(client string, now time.Time, right func() bool) Verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	e := l.clients[client]
	if e != nil {
		l.recent(e, now)
		if wait, blocked := l.blocked(e, now); blocked {
			return Verdict{Blocked: true, RetryAfter: wait}
		}
	}
	if right() {
		if e != nil {
			l.remove(e)
		}
		return Verdict{Right: true}
	}
	if e == nil {
		if len(l.clients) >= l.maxClients {
			el := l.free.Front()
			if el == nil {
				el = l.held.Front() // every client is blocked: the oldest lockout goes (see Limiter)
			}
			l.remove(el.Value.(*entry))
		}
		e = &entry{client: client}
		l.clients[client] = e
	}
	i := len(e.fails)
	for i > 0 && e.fails[i-1].After(now) {
		i-- // now was read before the limiter was taken: keep them oldest first
	}
	e.fails = slices.Insert(e.fails, i, now)
	if l.place(e, now); e.el != nil && !e.held {
		l.free.MoveToBack(e.el) // the most recently active: forgotten last
	}
	return Verdict{LockedOut: len(e.fails) == l.attempts}
}

// Blocked reports whether client has used up its attempts at now, and if so how long until the
// oldest counted failure leaves the window. It counts nothing: it is for requests that guess
// nothing but must be refused alike when their client is blocked.
func (l *Limiter) Blocked(client string, now time.Time) (retryAfter time.Duration, blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	e := l.clients[client]
	if e == nil {
		return 0, false
	}
	l.place(e, now)
	if e.el == nil {
		return 0, false
	}
	return l.blocked(e, now)
}

// Len returns the clients remembered, for tests and metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// blocked is Blocked for a remembered client whose failures are recent at now. Called with mu.
func (l *Limiter) blocked(e *entry, now time.Time) (time.Duration, bool) {
	if len(e.fails) < l.attempts {
		return 0, false
	}
	return e.fails[len(e.fails)-l.attempts].Add(l.window).Sub(now), true
}

// recent drops e's failures that left the window at now. Called with mu.
func (l *Limiter) recent(e *entry, now time.Time) {
	i := 0
	for i < len(e.fails) && !e.fails[i].Add(l.window).After(now) {
		i++
	}
	e.fails = e.fails[i:]
	if n := len(e.fails); n > l.attempts {
		e.fails = e.fails[n-l.attempts:]
	}
}

// place puts e, its failures made recent at now, in the list its state calls for: forgotten
// with nothing left in the window, held while blocked, else free. A client moving lists goes
// to the back. Called with mu.
func (l *Limiter) place(e *entry, now time.Time) {
	l.recent(e, now)
	n := len(e.fails)
	if n == 0 {
		l.remove(e)
		return
	}
	held := n >= l.attempts
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

// ClientKey is the key of a client address: the address itself (an IPv4-mapped IPv6 address,
// or one NAT64 translated from IPv4 through the well-known prefix 64:ff9b::/96, as its IPv4), or
// for IPv6 its /64, which one host can fill with addresses at will. Keyed by their /64, every
// IPv4 client behind a NAT64 gateway would share one limit.
func ClientKey(a netip.Addr) string {
	if a = a.Unmap(); a.Is6() {
		if nat64.Contains(a) {
			b := a.As16()
			return netip.AddrFrom4([4]byte(b[12:])).String()
		}
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// nat64 is the well-known prefix of IPv4 addresses translated to IPv6 (RFC 6052).
var nat64 = netip.MustParsePrefix("64:ff9b::/96")
