package train

import "sync"

// runMean averages Fit's runs as they finish, adding each in run order and then letting go of
// its weights. Fit used to hold every run's weights until the last run ended: six copies of the
// model (the default --runs) alive at once beside the running one's three: on one core, six of
// 17.8 MB of the sample shop's 178 MB live heap, which Go's heap headroom doubles (a 512 MB VPS
// killed train), and more on a bigger shop, whose models have more features. Adding in
// run order, never in the order the runs finish, keeps every sum's rounding, and so the model,
// what it was: the same data and seed give the same bundle on one core or many.
type runMean struct {
	mu      sync.Mutex
	w, bias []float32
	inv     float32
	next    int            // the run to add next
	pending map[int]runFit // runs that finished before an earlier one
}

func newRunMean(weights, k, runs int) *runMean {
	return &runMean{w: make([]float32, weights), bias: make([]float32, k), inv: 1 / float32(runs), pending: map[int]runFit{}}
}

// add takes run r's result and adds every run it completes the order of. It returns f without
// its weights, for the per-run numbers Fit reports.
func (m *runMean) add(r int, f runFit) runFit {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[r] = f
	for {
		p, ok := m.pending[m.next]
		if !ok {
			break
		}
		delete(m.pending, m.next)
		for i, v := range p.w {
			m.w[i] += v * m.inv
		}
		for i, v := range p.bias {
			m.bias[i] += v * m.inv
		}
		m.next++
	}
	f.w, f.bias = nil, nil
	return f
}

// held is how many runs' weights wait for an earlier run.
func (m *runMean) held() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}
