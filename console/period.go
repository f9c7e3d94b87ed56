package console

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// periods are the choices the pages offer; any other value parsePeriod reads works too.
var periods = []struct{ Value, Label string }{
	{"24h", "24 小时"}, {"3d", "3 天"}, {"7d", "7 天"}, {"30d", "30 天"}, {"90d", "90 天"},
}

// maxPeriod bounds how far back a page reads.
const maxPeriod = 400 * 24 * time.Hour

// parsePeriod reads the start of a period as zhiyi's commands do (serve.ParsePeriod, which the
// console may not import): a duration back from now (90m, 24h, 7d) or a date (2026-11-01,
// midnight China time). The period is at most maxPeriod long.
func parsePeriod(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	var t time.Time
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 400 {
			return time.Time{}, fmt.Errorf("%q: want a number of days such as 7d", v)
		}
		t = now.Add(-time.Duration(n) * 24 * time.Hour)
	} else if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a negative period", v)
		}
		t = now.Add(-d)
	} else if day, err := time.ParseInLocation("2006-01-02", v, cst); err == nil {
		t = day
	} else {
		return time.Time{}, fmt.Errorf("%q: want a period such as 24h, 7d or a date such as 2026-11-01", v)
	}
	if now.Sub(t) > maxPeriod {
		return time.Time{}, fmt.Errorf("%q: at most %d days back", v, int(maxPeriod.Hours()/24))
	}
	return t, nil
}

// periodOf reads the request's since= (def when absent); a bad value falls back to def and
// says so.
func periodOf(v, def string, now time.Time) (since time.Time, value, problem string) {
	if v == "" {
		v = def
	}
	t, err := parsePeriod(v, now)
	if err != nil {
		t, _ = parsePeriod(def, now)
		return t, def, "时间范围无效：" + err.Error() + "；已改用 " + def
	}
	return t, v, ""
}
