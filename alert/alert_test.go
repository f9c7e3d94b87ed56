package alert

import (
	"strings"
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
	// 2,499 of 2,500 handed off is not all of them, nor 1 in 2,500 none
	f(percent(2499.0/2500), ">99.9%")
	f(percent(1.0/2500), "<0.1%")
	f(percent(1), "100%")
	f(percent(0), "0%")
	f(seconds(0.05), "50ms")
	f(seconds(0.0625), "62.5ms")
	f(seconds(1.25), "1.2s")
	f(seconds(2), "2s")
	f(num(10000), "10000")
	f(truncateRunes("回复慢回复慢", 4), "回复慢…")
	f(truncateRunes("回复慢", 3), "回复慢")
	f(truncateRunes("abc", 10), "abc")
}

// The dropped rule counts every record the decision log lost, not only those a full disk or
// spool lost: its text says so and points at where the cause is told, rather than blaming the
// disk for refused decisions.
func TestDroppedSummarySaysWhereTheCauseIs(t *testing.T) {
	a := Alert{Measure: MeasureDropped, State: StateFiring, Window: 10 * time.Minute, Num: 3, Value: 3, Threshold: 1}
	s := a.summary()
	for _, want := range []string{"10分钟内决策日志丢失 3 条记录（阈值 1 条", "zhiyi_store_dropped_total", "store:", "拒收"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q does not say %q", s, want)
		}
	}
	if strings.Contains(s, "磁盘满或积压已满") {
		t.Errorf("summary %q blames the disk or spool alone", s)
	}
}
