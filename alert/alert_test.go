package alert

import (
	"testing"
	"time"
)

func TestFormatting(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	f(zhDuration(10*time.Minute), "10分钟")
	f(zhDuration(2*time.Hour), "2小时")
	f(zhDuration(90*time.Minute), "90分钟")
	f(zhDuration(45*time.Second), "45秒")
	f(zhDuration(1500*time.Millisecond), "1.5秒")
	f(zhDuration(0), "")
	f(percent(0.5), "50%")
	f(percent(0.0125), "1.2%")
	f(percent(29.0/30), "96.7%")
	f(seconds(0.05), "50ms")
	f(seconds(0.0625), "62.5ms")
	f(seconds(1.25), "1.2s")
	f(seconds(2), "2s")
	f(num(10000), "10000")
	f(truncateRunes("回复慢回复慢", 4), "回复慢…")
	f(truncateRunes("回复慢", 3), "回复慢")
	f(truncateRunes("abc", 10), "abc")
}
