package train

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// rankerData is what the ranker was fitted on — its examples as features, its C, seed and
// minimum count — so that learning from corrections can fit it again exactly, with the
// corrections added (Learn), instead of continuing it on a replay of the history.
//
// Continuing the ranker on the capped history of examples.jsonl (without the conversations'
// context features and the other messages it was fitted on) moved it away from its own optimum:
// on the sample shop, the parent continued with no correction at all lost 1.5 points of the
// November holdout (0.955 → 0.940). Fitted again on its own examples it is the parent to the
// last decision, so a batch changes what it corrects and little else (docs/benchmarks.md,
// eighteenth session).
type rankerData struct {
	C        float64
	Seed     uint64
	MinCount int
	Examples []Example
}

// The file: rankerDataMagic, a version byte, C and the seed (8 bytes each, little-endian), the
// minimum count, the number of labels and of examples (uvarints), then each example: its label,
// its weight (float32 bits, 4 bytes), its number of features and the features as indices into
// the ranker's features in ascending id order, ascending, delta-coded (uvarints; a repeated
// feature is a delta of 0). Features the ranker has no row for are left out: Fit ignores them
// under Keep, and they make up most of a message's hashed features.
const (
	rankerDataMagic   = "ZYRD"
	rankerDataVersion = 1
)

// rankerFeatures is the ranker's feature ids in ascending order: the table a data file's
// feature indices point into.
func rankerFeatures(ranker *intent.Classifier) []uint32 {
	ids := make([]uint32, 0, ranker.NumFeatures())
	ranker.Rows(func(f uint32, _ float32, _ []float32) bool {
		ids = append(ids, f)
		return true
	})
	slices.Sort(ids)
	return ids
}

// rankerDataBytes is the size of the data file of examples for the features of clf's rows
// that keep marks (selectFeatures).
func rankerDataBytes(clf *intent.Classifier, keep []bool, examples []Example, labels int) int {
	ids := make([]uint32, 0, len(keep))
	row := 0
	clf.Rows(func(f uint32, _ float32, _ []float32) bool {
		if keep[row] {
			ids = append(ids, f)
		}
		row++
		return true
	})
	slices.Sort(ids)
	d := rankerData{Examples: examples}
	return len(d.encode(nil, ids, labels))
}

// encode appends d to b, its features as indices into ids (rankerFeatures).
func (d *rankerData) encode(b []byte, ids []uint32, labels int) []byte {
	b = append(b, rankerDataMagic...)
	b = append(b, rankerDataVersion)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(d.C))
	b = binary.LittleEndian.AppendUint64(b, d.Seed)
	b = binary.AppendUvarint(b, uint64(d.MinCount))
	b = binary.AppendUvarint(b, uint64(labels))
	b = binary.AppendUvarint(b, uint64(len(d.Examples)))
	var idx []int
	for _, ex := range d.Examples {
		idx = idx[:0]
		for _, f := range ex.Features {
			if i, ok := slices.BinarySearch(ids, f); ok {
				idx = append(idx, i)
			}
		}
		slices.Sort(idx)
		w := ex.Weight
		if w == 0 {
			w = 1
		}
		b = binary.AppendUvarint(b, uint64(ex.Label))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(w))
		b = binary.AppendUvarint(b, uint64(len(idx)))
		prev := 0
		for _, i := range idx {
			b = binary.AppendUvarint(b, uint64(i-prev))
			prev = i
		}
	}
	return b
}

// writeRankerData writes d for ranker into path atomically.
func writeRankerData(path string, d *rankerData, ranker *intent.Classifier) error {
	return intent.WriteFileAtomic(path, d.encode(nil, rankerFeatures(ranker), len(ranker.Labels())))
}

// errRankerData is wrapped by every error of a data file that does not decode.
var errRankerData = errors.New("ranker data")

// readRankerData reads the data file at path, written for ranker. A bundle without one (made
// before it existed, or without a ranker) gives fs.ErrNotExist.
func readRankerData(path string, ranker *intent.Classifier) (*rankerData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := decodeRankerData(b, rankerFeatures(ranker), len(ranker.Labels()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

func decodeRankerData(b []byte, ids []uint32, labels int) (*rankerData, error) {
	fail := func(what string) (*rankerData, error) {
		return nil, fmt.Errorf("%w: %s", errRankerData, what)
	}
	if len(b) < len(rankerDataMagic)+1+16 || string(b[:len(rankerDataMagic)]) != rankerDataMagic {
		return fail("not a ranker data file")
	}
	if v := b[len(rankerDataMagic)]; v != rankerDataVersion {
		return fail(fmt.Sprintf("format version %d, this build reads %d", v, rankerDataVersion))
	}
	b = b[len(rankerDataMagic)+1:]
	d := &rankerData{C: math.Float64frombits(binary.LittleEndian.Uint64(b)), Seed: binary.LittleEndian.Uint64(b[8:])}
	b = b[16:]
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	mc, ok1 := uv()
	nl, ok2 := uv()
	n, ok3 := uv()
	switch {
	case !ok1 || !ok2 || !ok3:
		return fail("truncated header")
	case int(nl) != labels:
		return fail(fmt.Sprintf("%d labels, the ranker has %d", nl, labels))
	case n > uint64(len(b))/6: // an example takes at least 6 bytes
		return fail(fmt.Sprintf("%d examples in %d bytes", n, len(b)))
	case !(d.C > 0) || math.IsInf(d.C, 0):
		return fail(fmt.Sprintf("C %v", d.C))
	case mc > 1<<20:
		return fail(fmt.Sprintf("minimum count %d", mc))
	}
	d.MinCount = int(mc)
	d.Examples = make([]Example, n)
	for e := range d.Examples {
		label, ok := uv()
		if !ok || label >= uint64(labels) || len(b) < 4 {
			return fail(fmt.Sprintf("example %d: bad label", e))
		}
		w := math.Float32frombits(binary.LittleEndian.Uint32(b))
		b = b[4:]
		nf, ok := uv()
		if !ok || nf > uint64(len(b)) || !(w > 0) || math.IsInf(float64(w), 0) {
			return fail(fmt.Sprintf("example %d: bad weight or feature count", e))
		}
		fs := make([]uint32, nf)
		i := uint64(0)
		for k := range fs {
			delta, ok := uv()
			if !ok || delta >= uint64(len(ids))-i {
				return fail(fmt.Sprintf("example %d: feature index out of range", e))
			}
			i += delta
			fs[k] = ids[i]
		}
		d.Examples[e] = Example{Features: fs, Label: int(label), Weight: w}
	}
	if len(b) != 0 {
		return fail(fmt.Sprintf("%d bytes after the last example", len(b)))
	}
	return d, nil
}

// parentRankerData reads the parent bundle's ranker data: nil when the bundle has no ranker or
// was made before the file existed.
func parentRankerData(dir string, eng *intent.Engine) (*rankerData, error) {
	rk := eng.Ranker()
	if rk == nil {
		return nil, nil
	}
	d, err := readRankerData(filepath.Join(dir, intent.RankerDataFile), rk)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return d, err
}

// refitRanker fits the ranker again on what it was fitted on and the corrections (fixes), with
// its C, seed and minimum count, over the parent's features and the corrections' (stored as the
// parent was: half precision or not), its rows laid out as clf's (the continued classifier's,
// when given) so that it is stored over them.
func refitRanker(ctx context.Context, d *rankerData, fixes []Example, parent, clf *intent.Classifier, labels []string) (*intent.Classifier, error) {
	cfg := RankerFitConfig(d.C)
	cfg.Seed, cfg.MinCount, cfg.Keep = d.Seed, d.MinCount, learnableFeatures(parent, fixes)
	if clf != nil {
		clf.Rows(func(f uint32, _ float32, _ []float32) bool {
			cfg.RowOrder = append(cfg.RowOrder, f)
			return true
		})
	}
	examples := append(slices.Clip(d.Examples), fixes...)
	rk, _, err := Fit(ctx, examples, nil, labels, cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("learn: ranker: %w", err)
	}
	if parent.Half() {
		rk = rk.Quantized()
	}
	return rk, nil
}
