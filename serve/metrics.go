package serve

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/promhist"
	"github.com/zhiyi-ai/zhiyi/store"
)

// routeID names a route for metrics and logs; unknown paths share routeOther so that a scanner
// cannot blow up label cardinality.
type routeID uint8

const (
	routeIntent routeID = iota
	routeBatch
	routeHealthz
	routeReadyz
	routeMetrics
	routeReload
	routeFeedback
	routeUnmatched
	routeRollback
	routeConsole
	routeForget
	routeOther
	nRoutes
)

var routeNames = [nRoutes]string{"/intent", "/intent/batch", "/healthz", "/readyz", "/metrics", "/admin/reload",
	"/feedback", "/admin/unmatched", "/admin/rollback", "/console", "/admin/forget", "other"}

func (r routeID) String() string { return routeNames[r] }

func routeOf(path []byte) routeID {
	switch string(path) {
	case "/intent":
		return routeIntent
	case "/intent/batch":
		return routeBatch
	case "/healthz":
		return routeHealthz
	case "/readyz":
		return routeReadyz
	case "/metrics":
		return routeMetrics
	case "/admin/reload":
		return routeReload
	case "/feedback":
		return routeFeedback
	case "/admin/unmatched":
		return routeUnmatched
	case "/admin/rollback":
		return routeRollback
	case "/admin/forget":
		return routeForget
	}
	if bytes.HasPrefix(path, []byte("/console")) && (len(path) == len("/console") || path[len("/console")] == '/') {
		return routeConsole
	}
	return routeOther
}

const maxStatus = 600

// serverMetrics holds everything /metrics reports, on a metrics.Set owned by one Server.
type serverMetrics struct {
	set *metrics.Set

	requests [nRoutes][maxStatus]atomic.Pointer[metrics.Counter]
	latency  *promhist.Vec // zhiyi_http_request_duration_seconds{route}, by routeID

	intents    sync.Map     // intent name → *metrics.Counter
	routes     sync.Map     // intent.Route → *metrics.Counter
	channels   sync.Map     // channel → *channelCounters
	nChannels  atomic.Int32 // channels in the table, added under channelMu
	channelMu  sync.Mutex
	other      *channelCounters
	otherOnce  sync.Once
	ratings    [6]*metrics.Counter // by rating 1–5 (0 unused)
	resolved   [2]*metrics.Counter // false, true
	corrected  *metrics.Counter
	outOfScope *metrics.Counter
	panics     *metrics.Counter
	rejected   *metrics.Counter // connections the HTTP server refused past Config.Concurrency
	reloadOK   *metrics.Counter
	reloadErr  *metrics.Counter
	loadSecs   *metrics.Gauge
	loadedAt   *metrics.Gauge
	// the rules and experiments files reloaded with each bundle (WithReloadHook): nil without
	// a hook
	configOK, configErr *metrics.Counter
	configLast          *metrics.Gauge

	infoMu   sync.Mutex
	infoName string // the current zhiyi_model_info{…} series
}

func newServerMetrics() *serverMetrics {
	// # TYPE lines for every family, not only the latency histogram's: without them a
	// collector that reads types (OpenTelemetry's Prometheus receiver, Grafana's metric
	// browser) takes every counter for an untyped gauge. Process-wide: /metrics also writes
	// the go_* and process_* metrics of the package's default set.
	metrics.ExposeMetadata(true)
	m := &serverMetrics{set: metrics.NewSet()}
	m.outOfScope = m.set.NewCounter(`zhiyi_out_of_scope_total`)
	m.panics = m.set.NewCounter(`zhiyi_http_panics_total`)
	m.rejected = m.set.NewCounter(`zhiyi_http_rejected_connections_total`)
	m.reloadOK = m.set.NewCounter(`zhiyi_model_reloads_total{result="ok"}`)
	m.reloadErr = m.set.NewCounter(`zhiyi_model_reloads_total{result="error"}`)
	m.loadSecs = m.set.NewGauge(`zhiyi_model_load_duration_seconds`, nil)
	m.loadedAt = m.set.NewGauge(`zhiyi_model_loaded_timestamp_seconds`, nil)
	for r := 1; r <= 5; r++ {
		m.ratings[r] = m.set.NewCounter(fmt.Sprintf(`zhiyi_feedback_ratings_total{rating="%d"}`, r))
	}
	m.resolved[0] = m.set.NewCounter(`zhiyi_feedback_resolved_total{resolved="false"}`)
	m.resolved[1] = m.set.NewCounter(`zhiyi_feedback_resolved_total{resolved="true"}`)
	m.corrected = m.set.NewCounter(`zhiyi_feedback_corrections_total`)
	m.latency = promhist.Durations(m.set, "zhiyi_http_request_duration_seconds", "Latency of HTTP requests by route.", "route", routeNames[:])
	return m
}

// withConfigReloads exports the reloads of what goes with the bundle (WithReloadHook: the rules
// and experiments files). A reload whose bundle loads but whose files do not counts ok in
// zhiyi_model_reloads_total — the bundle serves — so without these a bad rules.yaml sent with a
// SIGHUP showed in one log line and no metric.
func (m *serverMetrics) withConfigReloads() {
	m.configOK = m.set.NewCounter(`zhiyi_config_reloads_total{result="ok"}`)
	m.configErr = m.set.NewCounter(`zhiyi_config_reloads_total{result="error"}`)
	m.configLast = m.set.NewGauge(`zhiyi_config_last_reload_successful`, nil)
	m.configLast.Set(1) // the first load's files loaded, or the server did not start
}

// configReloaded counts one reload of the files that go with the bundle.
func (m *serverMetrics) configReloaded(err error) {
	if m.configOK == nil {
		return
	}
	if err != nil {
		m.configErr.Inc()
		m.configLast.Set(0)
		return
	}
	m.configOK.Inc()
	m.configLast.Set(1)
}

// maxChannelSeries bounds the channels that get series of their own: channel is the gateway's
// string, and a client sending a new one each time must not grow /metrics without end.
const maxChannelSeries = 32

// feedback counts one feedback recorded: 满意度 (mean rating), its bad share and 解决率 come
// from these in PromQL.
func (m *serverMetrics) feedback(f *store.Feedback) {
	if f.Rating >= 1 && f.Rating <= 5 {
		m.ratings[f.Rating].Inc()
	}
	if f.Resolved != nil {
		if *f.Resolved {
			m.resolved[1].Inc()
		} else {
			m.resolved[0].Inc()
		}
	}
	if f.CorrectIntent != "" {
		m.corrected.Inc()
	}
}

// channelCounters are one channel's decisions by route.
type channelCounters [len(channelRoutes)]*metrics.Counter

// channelRoutes are the routes counted per channel; another (none should come) counts as the
// last, handoff, the cautious reading.
var channelRoutes = [...]intent.Route{intent.RouteAuto, intent.RouteSuggest, intent.RouteSilent, intent.RouteHandoff}

// channelRoute counts one decision by its channel and route (volume and handoff share per
// channel); channels beyond maxChannelSeries count as "other".
func (m *serverMetrics) channelRoute(channel string, route intent.Route) {
	cs, ok := m.channels.Load(channel)
	if !ok {
		cs = m.newChannel(channel)
	}
	i := len(channelRoutes) - 1
	for k, r := range channelRoutes {
		if r == route {
			i = k
			break
		}
	}
	cs.(*channelCounters)[i].Inc()
}

// newChannel returns the counters of a channel not seen yet: its own while fewer than
// maxChannelSeries have theirs, else "other"'s (not remembered under its name, so that a client
// inventing channels grows neither /metrics nor the table).
func (m *serverMetrics) newChannel(channel string) *channelCounters {
	if m.nChannels.Load() >= maxChannelSeries {
		return m.otherChannel()
	}
	m.channelMu.Lock()
	defer m.channelMu.Unlock()
	if cs, ok := m.channels.Load(channel); ok {
		return cs.(*channelCounters)
	}
	if m.nChannels.Load() >= maxChannelSeries {
		return m.otherChannel()
	}
	cs := m.newChannelCounters(channel)
	m.channels.Store(channel, cs)
	m.nChannels.Add(1)
	return cs
}

// otherChannel returns the counters of the channels past maxChannelSeries.
func (m *serverMetrics) otherChannel() *channelCounters {
	m.otherOnce.Do(func() { m.other = m.newChannelCounters("other") })
	return m.other
}

func (m *serverMetrics) newChannelCounters(channel string) *channelCounters {
	var cs channelCounters
	for k, r := range channelRoutes {
		cs[k] = m.set.GetOrCreateCounter(`zhiyi_channel_routes_total{channel=` + quoteLabel(channel) + `,route=` + quoteLabel(string(r)) + `}`)
	}
	return &cs
}

// request counts one answered request and its latency.
func (m *serverMetrics) request(r routeID, status int, d time.Duration) {
	if status < 0 || status >= maxStatus {
		status = 0
	}
	p := &m.requests[r][status]
	c := p.Load()
	if c == nil {
		c = m.set.GetOrCreateCounter(fmt.Sprintf(`zhiyi_http_requests_total{route=%q,status="%d"}`, r.String(), status))
		p.Store(c)
	}
	c.Inc()
	m.latency.At(int(r)).ObserveDuration(d)
}

// result counts what the engine decided for one message.
func (m *serverMetrics) result(res *intent.Result) {
	counter(&m.intents, m.set, "zhiyi_intents_total", "intent", res.Intent).Inc()
	counter(&m.routes, m.set, "zhiyi_routes_total", "route", string(res.Route)).Inc()
	if unrecognised(res) {
		m.outOfScope.Inc()
	}
}

func counter(cache *sync.Map, set *metrics.Set, family, label, value string) *metrics.Counter {
	if c, ok := cache.Load(value); ok {
		return c.(*metrics.Counter)
	}
	c := set.GetOrCreateCounter(family + "{" + label + "=" + quoteLabel(value) + "}")
	cache.Store(value, c)
	return c
}

// modelLoaded records a newly swapped-in model: its version as the info gauge
// zhiyi_model_info{version="…"} 1 (the previous version's series is removed), how long it took
// to load and when.
func (m *serverMetrics) modelLoaded(version string, took time.Duration, at time.Time) {
	m.infoMu.Lock()
	defer m.infoMu.Unlock()
	name := "zhiyi_model_info{version=" + quoteLabel(version) + "}"
	if m.infoName != "" && m.infoName != name {
		m.set.UnregisterMetric(m.infoName)
	}
	m.set.GetOrCreateGauge(name, nil).Set(1)
	m.infoName = name
	m.loadSecs.Set(took.Seconds())
	m.loadedAt.Set(float64(at.UnixNano()) / 1e9)
}

// quoteLabel quotes a Prometheus label value.
func quoteLabel(v string) string {
	if len(v) > 200 {
		v = v[:200]
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}
