package index

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// AnalyzerName is the name under which the zhiyi analyzer (nlp.Analyzer terms as bleve
// tokens) is registered with bleve, and the analyzer name in every index mapping this package
// writes.
const AnalyzerName = "zhiyi"

// analyzers maps a per-index key (the analyzer config's configKey) to its *nlp.Analyzer, for
// the constructor bleve calls when it builds an index mapping's analyzers.
var analyzers sync.Map

func init() {
	if err := registry.RegisterAnalyzer(AnalyzerName, newBleveAnalyzer); err != nil {
		panic(err)
	}
}

// bleveAnalyzer is the bleve side of an nlp.Analyzer: one token per analysed term.
type bleveAnalyzer struct {
	a atomic.Pointer[nlp.Analyzer]
}

// newBleveAnalyzer is the registered constructor. It finds the *nlp.Analyzer by the key in the
// config. A persisted index opened later carries the key of the process that built it; Open
// then binds its own analyzer right after bleve has built the mapping.
func newBleveAnalyzer(config map[string]any, _ *registry.Cache) (analysis.Analyzer, error) {
	key, _ := config[configKey].(string)
	if key == "" {
		return nil, fmt.Errorf("analyzer %q: config has no %q", AnalyzerName, configKey)
	}
	ba := &bleveAnalyzer{}
	if v, ok := analyzers.Load(key); ok {
		ba.a.Store(v.(*nlp.Analyzer))
	}
	return ba, nil
}

// Analyze implements analysis.Analyzer: the terms of nlp's Analysis (stop words removed),
// positions 1, 2, …. Byte offsets are not kept (rewrites change the text; nothing highlights).
// An analyzer not bound to an nlp.Analyzer (an index opened with bleve.Open directly rather
// than with this package's Open) yields no tokens.
func (ba *bleveAnalyzer) Analyze(input []byte) analysis.TokenStream {
	a := ba.a.Load()
	if a == nil {
		return nil
	}
	an := a.Analyze(string(input))
	ts := make(analysis.TokenStream, len(an.Terms))
	toks := make([]analysis.Token, len(an.Terms))
	for i, t := range an.Terms {
		toks[i] = analysis.Token{Term: []byte(t), Position: i + 1, Type: analysis.Ideographic}
		ts[i] = &toks[i]
	}
	return ts
}
