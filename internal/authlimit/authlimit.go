package authlimit

import (
	"container/list"
	"net/netip"
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
type Limiter struct {
	attempts   int
	window     time.Duration
	maxClients int

	mu      sync.Mutex
	clients map[string]*list.Element // client → its element of order
	order   *list.List               // *entry, least recently failed first: eviction and expiry take the front
}

// entry is one client's failures, oldest first; at most attempts of them, since only the
// attempts-th newest decides whether and how long the client is blocked.
type entry struct {
	client string
	times  []time.Time
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

// Blocked reports whether client has used up its attempts at now, and if so how long until the
// oldest counted failure leaves the window and it may try again.
func (l *Limiter) Blocked(client string, now time.Time) (retryAfter time.Duration, blocked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	el := l.clients[client]
	if el == nil {
		return 0, false
	}
	fs := l.recent(el, now)
	if len(fs) == 0 {
		l.remove(el)
	}
	if len(fs) < l.attempts {
		return 0, false
	}
	return fs[len(fs)-l.attempts].Add(l.window).Sub(now), true
}

// Fail counts a failed attempt of client at now. It reports whether this failure is the one
// that blocks the client, so that a caller logs and counts each lockout once.
func (l *Limiter) Fail(client string, now time.Time) (lockedOut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expire(now)
	el := l.clients[client]
	if el == nil {
		for len(l.clients) >= l.maxClients {
			// Still full after expiry (failures from many addresses): forget the client whose
			// last failure is oldest, so memory stays bounded and active clients stay limited.
			l.remove(l.order.Front())
		}
		el = l.order.PushBack(&entry{client: client})
		l.clients[client] = el
	} else {
		l.order.MoveToBack(el)
	}
	fs := l.recent(el, now)
	before := len(fs)
	if fs = append(fs, now); len(fs) > l.attempts {
		fs = fs[len(fs)-l.attempts:] // a failure counted while already blocked (a race of two)
	}
	el.Value.(*entry).times = fs
	return before == l.attempts-1
}

// Reset forgets client's failures: the right secret clears them.
func (l *Limiter) Reset(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el := l.clients[client]; el != nil {
		l.remove(el)
	}
}

// Len returns the clients remembered, for tests and metrics.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// recent drops el's failures that left the window and returns the rest. Called with mu.
func (l *Limiter) recent(el *list.Element, now time.Time) []time.Time {
	e := el.Value.(*entry)
	i := 0
	for i < len(e.times) && !e.times[i].Add(l.window).After(now) {
		i++
	}
	e.times = e.times[i:]
	return e.times
}

// expire forgets the clients whose last failure left the window: they are at the front, so this
// costs one look per call and one per client forgotten. Called with mu.
func (l *Limiter) expire(now time.Time) {
	for el := l.order.Front(); el != nil; el = l.order.Front() {
		fs := el.Value.(*entry).times
		if len(fs) > 0 && fs[len(fs)-1].Add(l.window).After(now) {
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
