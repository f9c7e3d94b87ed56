package console

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Change is one entry of the audit list: who changed what, when, from where.
type Change struct {
	Time   time.Time
	By     string // the operator's name, as given at sign-in
	Client string // the client's address
	Area   string // session, labels, rules, experiments, models
	Action string // what was done, in a few words (Chinese, as the pages show it)
	Detail string // ids, counts, file names: never message text
}

// auditLog keeps the newest changes in memory (the pages show them) and logs each one. The
// log lines are the lasting record: the list is gone on restart.
type auditLog struct {
	mu      sync.Mutex
	max     int
	entries []Change // oldest first
}

func newAuditLog(max int) *auditLog { return &auditLog{max: max} }

// add records ch and logs it at info (warn for a failed change, whose Action says so).
func (a *auditLog) add(log *slog.Logger, ch Change) {
	log.LogAttrs(context.Background(), slog.LevelInfo, "console change",
		slog.String("by", ch.By), slog.String("client", ch.Client), slog.String("area", ch.Area),
		slog.String("action", ch.Action), slog.String("detail", ch.Detail), slog.Time("at", ch.Time))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, ch)
	if len(a.entries) > a.max {
		a.entries = append(a.entries[:0], a.entries[len(a.entries)-a.max:]...)
	}
}

// list returns the changes of area ("" for all), newest first.
func (a *auditLog) list(area string) []Change {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []Change
	for i := len(a.entries) - 1; i >= 0; i-- {
		if area == "" || a.entries[i].Area == area {
			out = append(out, a.entries[i])
		}
	}
	return out
}

// record adds a change by the session's operator, made with request r.
func (c *Console) record(s *sessionInfo, r *http.Request, area, action, detail string) {
	c.audit.add(c.log, Change{Time: c.d.Now(), By: s.Name, Client: c.clientOf(r), Area: area, Action: action, Detail: detail})
}
