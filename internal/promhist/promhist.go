package promhist

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/VictoriaMetrics/metrics"
)

// LatencyBuckets are the upper bounds, in seconds, of every duration histogram zhiyi exports.
var LatencyBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// Vec is one histogram family: one series per value of its label. Safe for concurrent use.
type Vec struct {
	name, help, label string
	values            []string
	bounds            []float64 // upper bounds, as written
	perUnit           float64   // observed units per written unit: 1e9 for seconds, 1 for counts
	hists             []Hist
}

// Hist is one series of a Vec. Safe for concurrent use.
type Hist struct {
	limits []uint64        // the bounds in observed units (nanoseconds, or counts)
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf's
	sum    atomic.Uint64   // in observed units
}

// Observe records one value, in the family's observed units (nanoseconds for Durations).
func (h *Hist) Observe(v uint64) {
	i := 0
	for i < len(h.limits) && v > h.limits[i] {
		i++
	}
	h.counts[i].Add(1)
	if v > 0 {
		h.sum.Add(v)
	}
}

// ObserveDuration records d (a negative one as 0) in a Durations family.
func (h *Hist) ObserveDuration(d time.Duration) { h.Observe(uint64(max(d, 0))) }

// Since records the time since start in a Durations family.
func (h *Hist) Since(start time.Time) { h.ObserveDuration(time.Since(start)) }

// At returns the series of the i-th value.
func (v *Vec) At(i int) *Hist { return &v.hists[i] }

// Durations returns set's family name of durations, in seconds over LatencyBuckets, one series
// per value of label; observe with Hist.ObserveDuration or Hist.Since. It panics when set has
// name with another label or other values (a programming error, as with metrics.Set).
func Durations(set *metrics.Set, name, help, label string, values []string) *Vec {
	return getOrRegister(set, newVec(name, help, label, values, LatencyBuckets, 1e9))
}

// Counts returns set's family name of counts (the records of a batch, say) over bounds, one
// series per value of label; observe with Hist.Observe. It panics as Durations does.
func Counts(set *metrics.Set, name, help, label string, values []string, bounds []float64) *Vec {
	return getOrRegister(set, newVec(name, help, label, values, bounds, 1))
}

func newVec(name, help, label string, values []string, bounds []float64, perUnit float64) *Vec {
	if !slices.IsSorted(bounds) || len(bounds) == 0 {
		panic(fmt.Sprintf("promhist: %s: bounds must be given in increasing order", name))
	}
	limits := make([]uint64, len(bounds))
	for i, b := range bounds {
		limits[i] = uint64(math.Round(b * perUnit))
	}
	v := &Vec{name: name, help: help, label: label, values: slices.Clone(values), bounds: slices.Clone(bounds),
		perUnit: perUnit, hists: make([]Hist, len(values))}
	for i := range v.hists {
		v.hists[i] = Hist{limits: limits, counts: make([]atomic.Uint64, len(limits)+1)}
	}
	return v
}

// registry holds the families registered on each set, so that a second owner on the set gets
// the first's (the text format wants a family written once). A set's entry goes with it: the
// key is a weak pointer and a cleanup removes it, so that tests' many private sets do not add
// up.
var registry struct {
	mu   sync.Mutex
	sets map[weak.Pointer[metrics.Set]]map[string]*Vec
}

func getOrRegister(set *metrics.Set, v *Vec) *Vec {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.sets == nil {
		registry.sets = map[weak.Pointer[metrics.Set]]map[string]*Vec{}
	}
	key := weak.Make(set)
	fams, ok := registry.sets[key]
	if !ok {
		fams = map[string]*Vec{}
		registry.sets[key] = fams
		runtime.AddCleanup(set, func(k weak.Pointer[metrics.Set]) {
			registry.mu.Lock()
			delete(registry.sets, k)
			registry.mu.Unlock()
		}, key)
	}
	if old, ok := fams[v.name]; ok {
		if old.label != v.label || !slices.Equal(old.values, v.values) || !slices.Equal(old.bounds, v.bounds) || old.perUnit != v.perUnit {
			panic(fmt.Sprintf("promhist: %s is already on the set with another label, values or buckets", v.name))
		}
		return old
	}
	fams[v.name] = v
	set.RegisterMetricsWriter(v.WritePrometheus)
	return v
}

// WritePrometheus writes the family in the text format: its # HELP and # TYPE lines, then each
// series that has an observation, buckets cumulative.
func (v *Vec) WritePrometheus(w io.Writer) {
	b := make([]byte, 0, 1024)
	b = append(b, "# HELP "+v.name+" "+v.help+"\n# TYPE "+v.name+" histogram\n"...)
	counts := make([]uint64, len(v.bounds)+1)
	for i := range v.hists {
		h := &v.hists[i]
		var total uint64
		for k := range counts {
			counts[k] = h.counts[k].Load()
			total += counts[k]
		}
		if total == 0 {
			continue
		}
		var cum uint64
		for k, c := range counts {
			cum += c
			le := "+Inf"
			if k < len(v.bounds) {
				le = strconv.FormatFloat(v.bounds[k], 'g', -1, 64)
			}
			b = fmt.Appendf(b, "%s_bucket{%s=%q,le=%q} %d\n", v.name, v.label, v.values[i], le, cum)
		}
		b = fmt.Appendf(b, "%s_sum{%s=%q} %g\n", v.name, v.label, v.values[i], float64(h.sum.Load())/v.perUnit)
		b = fmt.Appendf(b, "%s_count{%s=%q} %d\n", v.name, v.label, v.values[i], cum)
	}
	_, _ = w.Write(b)
}
