package alert

import "time"

// Clock tells the time and waits on it. The alerter reads it for event times, windows,
// cooldowns, group waits, retry backoff and the WeCom rate limit, so a test drives all of them
// with a fake clock (github.com/jonboulle/clockwork's FakeClock satisfies Clock). A nil Clock in
// a Config means the system clock.
type Clock interface {
	Now() time.Time
	// After behaves like time.After on this clock.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func orSystem(c Clock) Clock {
	if c == nil {
		return systemClock{}
	}
	return c
}
