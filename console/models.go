package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/reply"
)

// bundleRow is one bundle in the models root.
type bundleRow struct {
	Dir       string // its directory's name in the models root
	Version   string
	Name      string
	Created   time.Time
	Parent    string // the parent's version
	ParentDir string // and directory, when it is in the root
	Learnt    *intent.Learnt
	Metrics   []metric
	// MetricsNote says what Metrics measured when it is not this bundle's accuracy on labelled
	// data (metricsNote).
	MetricsNote string
	Report      bool // has report.html
	Serving     bool
	Depth       int // generations from a bundle trained from exports
	Problem     string
	Descendant  bool // learnt from the serving bundle (or its descendants)
}

type metric struct {
	Name  string // as the page shows it
	Value string
}

// metricNames are the manifest's headline metrics the page shows, in order, with how.
var metricNames = []struct {
	key, name string
	percent   bool
}{
	{"accuracy", "准确率", true}, {"macro_f1", "macro-F1", false}, {"auto_coverage", "自动回复占比", true},
	{"auto_precision", "自动回复准确率", true}, {"oos_precision", "范围外精确率", true}, {"oos_recall", "范围外召回率", true},
	{"count", "评估消息数", false},
}

// metricsOf picks the headline metrics of a manifest.
func metricsOf(m map[string]float64) []metric {
	var out []metric
	for _, k := range metricNames {
		v, ok := m[k.key]
		if !ok {
			continue
		}
		text := strconv.FormatFloat(v, 'f', 3, 64)
		switch {
		case k.percent:
			text = stat.PercentText(v, 1) + "%"
		case v == math.Trunc(v):
			text = strconv.FormatFloat(v, 'f', 0, 64)
		}
		out = append(out, metric{k.name, text})
	}
	return out
}

// metricsNote says what a manifest's metrics are when they are not the bundle's own accuracy
// on labelled data: an estimate (trained without a labelled dev split, the report is
// cross-validated, and on self-trained messages it measures agreement with the model's own
// labels), or, for a bundle learnt from corrections, its ancestor's numbers (learning copies the
// parent's manifest metrics and report; its own judgement is the evaluation-set accuracy the
// gate measured, Learnt).
func metricsNote(m *intent.Manifest) string {
	if len(m.Metrics) == 0 {
		return ""
	}
	var notes []string
	if m.Metrics["estimated"] == 1 {
		notes = append(notes, "没有标注的 dev 集：这些是交叉验证的估计，自训练的消息上是与模型自己标签的一致率，不是准确率")
	}
	if m.Parent != "" {
		notes = append(notes, "沿用最初由导出数据训练时的评估，不是这一版本的；这一版本的评估集准确率见“上一版本”一栏")
	}
	return strings.Join(notes, "；")
}

// modelsData is 模型's page.
type modelsData struct {
	Root        string
	Error       string
	Bundles     []bundleRow
	Lineage     []bundleRow // the serving bundle, its parent, …
	CanReload   bool
	CanRollback bool
	Changes     []Change
	Mix         *mixView // the serving engine's live intent mix (serve --adapt-mix), nil without
}

// mixView is the live intent mix: the intents whose share is largest now, beside their share
// in training.
type mixView struct {
	Window    int
	Seen      int64
	Estimated bool
	Rows      []mixRow
}

type mixRow struct {
	Intent, Label   string
	Trained, Now    float64
	Rising, Falling bool // by a quarter of its training share or more
}

// mixRows is how many intents the page lists.
const mixRows = 12

func mixOf(m *reply.Model) *mixView {
	if m == nil || m.Engine.Mix() == nil {
		return nil
	}
	mix := m.Engine.Mix()
	v := &mixView{Window: mix.Window(), Seen: mix.Seen(), Estimated: mix.Estimated()}
	for _, l := range mix.Labels() {
		r := mixRow{Intent: l, Label: l, Trained: mix.Trained(l), Now: mix.Share(l)}
		if kb := m.Engine.KB(); kb != nil {
			if it, ok := kb.Intent(l); ok && it.Label != "" {
				r.Label = it.Label
			}
		}
		r.Rising, r.Falling = r.Now >= 1.25*r.Trained, r.Now <= 0.75*r.Trained
		v.Rows = append(v.Rows, r)
	}
	slices.SortStableFunc(v.Rows, func(a, b mixRow) int { return cmp.Compare(b.Now, a.Now) })
	v.Rows = v.Rows[:min(len(v.Rows), mixRows)]
	return v
}

func (c *Console) modelsPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	data := modelsData{Root: c.d.ModelsRoot, CanReload: c.d.Reload != nil, Changes: c.audit.list("models"), Mix: mixOf(c.d.Model())}
	status := http.StatusOK
	rows, err := c.bundles()
	switch {
	case c.d.ModelsRoot == "":
		data.Error = noModelsRoot
	case err != nil:
		c.failed("console: models root failed", "models", err)
		data.Error, status = modelsRootUnreadable, http.StatusServiceUnavailable
	}
	data.Bundles = rows
	byVersion := map[string]*bundleRow{}
	for i := range rows {
		byVersion[rows[i].Version] = &rows[i]
	}
	for i := range rows {
		if rows[i].Serving {
			seen := map[string]bool{}
			for b := &rows[i]; b != nil && !seen[b.Version]; b = byVersion[b.Parent] {
				seen[b.Version] = true
				data.Lineage = append(data.Lineage, *b)
			}
			data.CanRollback = data.CanReload && rows[i].Parent != ""
		}
	}
	c.render(w, r, s, status, "models", "模型", data)
}

// bundles reads the manifest of every bundle directly inside the models root (without
// checking every file's checksum: a reload verifies the one it loads), newest first.
func (c *Console) bundles() ([]bundleRow, error) {
	if c.d.ModelsRoot == "" {
		return nil, errors.New("no models root")
	}
	entries, err := os.ReadDir(c.d.ModelsRoot)
	if err != nil {
		return nil, err
	}
	serving := ""
	if m := c.d.Model(); m != nil {
		serving = m.Version()
	}
	var rows []bundleRow
	for _, e := range entries {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		dir := filepath.Join(c.d.ModelsRoot, e.Name())
		if _, err := os.Lstat(filepath.Join(dir, intent.ManifestFile)); err != nil {
			continue // not a bundle
		}
		row := bundleRow{Dir: e.Name()}
		// as the loader reads it: a regular file of sane size, never through a link
		man, err := intent.PeekManifest(dir)
		if err != nil {
			row.Problem = "manifest.json 无法读取"
			rows = append(rows, row)
			continue
		}
		row.Name, row.Created, row.Version, row.Parent, row.Learnt = man.Name, man.CreatedAt, man.Version(), man.Parent, man.LearntFrom
		row.Serving = row.Version == serving
		row.Metrics, row.MetricsNote = metricsOf(man.Metrics), metricsNote(man)
		if st, err := os.Lstat(filepath.Join(dir, intent.ReportHTMLFile)); err == nil && st.Mode().IsRegular() {
			row.Report = true
		}
		rows = append(rows, row)
	}
	byVersion := map[string]int{}
	for i, r := range rows {
		byVersion[r.Version] = i
	}
	for i := range rows {
		seen := map[int]bool{i: true}
		for j, ok := byVersion[rows[i].Parent]; ok && !seen[j]; j, ok = byVersion[rows[j].Parent] {
			if rows[i].ParentDir == "" {
				rows[i].ParentDir = rows[j].Dir
			}
			seen[j] = true
			rows[i].Depth++
			if rows[j].Serving {
				rows[i].Descendant = true
			}
		}
	}
	slices.SortFunc(rows, func(a, b bundleRow) int { return b.Created.Compare(a.Created) })
	return rows, nil
}

// bundleDir returns the path of a bundle listed in the models root, by its directory name.
func (c *Console) bundleDir(name string) (string, bool) {
	rows, err := c.bundles()
	if err != nil {
		return "", false
	}
	for _, r := range rows {
		if r.Dir == name && r.Problem == "" {
			return filepath.Join(c.d.ModelsRoot, r.Dir), true
		}
	}
	return "", false
}

// modelsReport serves a bundle's evaluation page (report.html, written by zhiyi train) in a
// sandbox: its own inline styles only, no script.
func (c *Console) modelsReport(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	dir, ok := c.bundleDir(r.URL.Query().Get("bundle"))
	if !ok {
		c.errorPage(w, r, s, http.StatusNotFound, "没有这个模型。")
		return
	}
	data, err := readRegular(filepath.Join(dir, intent.ReportHTMLFile), maxReportBytes)
	if err != nil {
		c.errorPage(w, r, s, http.StatusNotFound, "这个模型没有评估报告（report.html）。")
		return
	}
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(data)
}

// maxReportBytes bounds a report.html the console serves (the sample shop's is 40 kB).
const maxReportBytes = 16 << 20

// readRegular reads path when it is a regular file (not a link, a device or a pipe: a bundle
// unpacked from elsewhere may hold anything) of at most max bytes.
func readRegular(path string, max int64) ([]byte, error) {
	st, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, err
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	case st.Size() > max:
		return nil, fmt.Errorf("%s holds %d bytes, more than %d", path, st.Size(), max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
}

// modelsPromote loads a chosen bundle of the models root.
func (c *Console) modelsPromote(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	name := r.PostForm.Get("bundle")
	dir, ok := c.bundleDir(name)
	if !ok {
		c.back(w, r, s, "/console/models", "error", "模型目录中没有这个模型。")
		return
	}
	c.reload(w, r, s, dir, "启用模型", name)
}

// modelsRollback loads the parent of the serving bundle.
func (c *Console) modelsRollback(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	parentOf := c.d.Parent
	if parentOf == nil {
		parentOf = learn.Parent
	}
	cur := c.d.ModelDir()
	parent, err := parentOf(cur)
	if err != nil {
		c.back(w, r, s, "/console/models", "error", "当前模型没有可回滚的上一版本（它由导出数据训练而来，或上一版本已不在）。")
		return
	}
	c.reload(w, r, s, parent, "回滚模型", filepath.Base(cur)+" → "+filepath.Base(parent))
}

func (c *Console) reload(w http.ResponseWriter, r *http.Request, s *sessionInfo, dir, action, detail string) {
	if c.d.Reload == nil {
		c.back(w, r, s, "/console/models", "error", "这个服务没有开放模型切换。")
		return
	}
	c.write.Lock()
	defer c.write.Unlock()
	prev := ""
	if m := c.d.Model(); m != nil {
		prev = m.Version()
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	err := c.d.Reload(ctx, dir)
	now := ""
	if m := c.d.Model(); m != nil {
		now = m.Version()
	}
	if err != nil {
		// The error names the bundle's files or the rules file by their paths: it is logged.
		c.failed("console: reload failed", "models", err, "action", action, "bundle", filepath.Base(dir), "serving", now)
	}
	if err != nil && now != prev {
		// The bundle switched; what failed came after it (the rules or the experiments, which
		// stay as they were): say what serves now.
		c.record(s, r, "models", action+"（规则或实验未重新加载）", detail+"（"+prev+" → "+now+"）")
		c.back(w, r, s, "/console/models", "error", fmt.Sprintf("%s成功，现在服务的是 %s（之前是 %s）；但规则或实验没有重新加载，仍按原文件生效，详情见服务日志。"+
			"请到「规则与答案」页查看规则与新模型的校验问题，修正后保存；实验文件的问题按服务日志修正。", action, now, prev))
		return
	}
	if errors.Is(err, ErrPartsRefused) {
		// The bundle is sound; the operator's files name what it lacks: say which lines.
		c.record(s, r, "models", action+"被拒绝（规则或实验与模型不符）", detail)
		c.back(w, r, s, "/console/models", "error", fmt.Sprintf("%s被拒绝，原模型 %s 继续服务：新模型加载成功，但规则文件或实验文件与它不符"+
			"（仍写着新知识库里没有的意图或答案，例如改名或删除了的）：%s。请先按新模型修改这些文件（zhiyi lint --kb 新的 kb.yaml --rules … --experiments …），再重试。",
			action, prev, c.partsProblem(err)))
		return
	}
	if err != nil {
		c.record(s, r, "models", action+"失败", detail)
		c.back(w, r, s, "/console/models", "error", fmt.Sprintf("%s失败，原模型 %s 继续服务：新模型没能加载，详情见服务日志。"+
			"请检查这个模型目录是否完整（训练是否完成、文件是否齐全），或重新训练后再试。", action, prev))
		return
	}
	c.record(s, r, "models", action, detail+"（"+prev+" → "+now+"）")
	c.back(w, r, s, "/console/models", "ok", fmt.Sprintf("%s成功：现在服务的是 %s（之前是 %s）。", action, now, prev))
}

// partsProblem is what a switch refused with ErrPartsRefused says of the operator's files, each
// named by its base name (experiments.yaml:5: …), as the console names the operator's files;
// the server's paths stay in the service log.
func (c *Console) partsProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), ErrPartsRefused.Error()+": ")
	for _, p := range []string{c.d.RulesPath, c.d.ExperimentsPath} {
		if p != "" {
			msg = strings.ReplaceAll(msg, p+":", filepath.Base(p)+":")
		}
	}
	return maskedError(errors.New(strings.ReplaceAll(msg, "\n", "；")))
}
