package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/experiment/explog"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// experimentView is one experiment with its chart.
type experimentView struct {
	experiment.Report
	Label   string
	Chart   chart
	Verdict string // in Chinese (verdictZH); the report's own is English
}

// experimentsData is 实验's page.
type experimentsData struct {
	periodView
	NoSet  bool
	NoDB   bool
	NoFile bool // no experiments file configured: stopping is off
	Path   string
	Error  string
	// Results: the decision log was read, so the variants' numbers and verdicts are shown;
	// without them (no log, or it failed) only the variants and their stop buttons are.
	Results     bool
	Experiments []experimentView
	Excluded    int
	Warnings    []string
	Changes     []Change
}

func (c *Console) experimentsPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	now := c.d.Now()
	since, pv := pagePeriod(r.URL.Query().Get("since"), "30d", now)
	data := experimentsData{periodView: pv, Path: c.d.ExperimentsPath,
		NoFile: c.d.ExperimentsPath == "", NoDB: c.d.DB == nil, Changes: c.audit.list("experiments")}
	var set *experiment.Set
	if c.d.Experiments != nil {
		set = c.d.Experiments.Current()
	}
	if set == nil {
		data.NoSet = true
		c.render(w, r, s, http.StatusOK, "experiments", "实验", data)
		return
	}
	data.Excluded, data.Warnings = len(set.ExcludedSenders()), set.Warnings()
	var res experiment.Results
	status := http.StatusOK
	if c.d.DB != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
		defer cancel()
		var err error
		if res, err = explog.Results(ctx, c.d.DB, since, set.ExcludedSenders()); err != nil {
			c.storeFailed("experiments", err)
			data.Error, status = storeUnreadable, http.StatusServiceUnavailable
		} else {
			data.Results = true
		}
	}
	var labelOf func(string) string
	if m := c.d.Model(); m != nil && m.KB() != nil {
		kb := m.KB()
		labelOf = func(id string) string {
			if in, ok := kb.Intent(id); ok {
				return in.Label
			}
			return ""
		}
	}
	for _, rep := range set.Reports(res) {
		v := experimentView{Report: rep}
		if data.Results {
			v.Chart, v.Verdict = ratingChart(rep), verdictZH(&rep)
		}
		if labelOf != nil {
			v.Label = labelOf(rep.Experiment)
		}
		data.Experiments = append(data.Experiments, v)
	}
	c.render(w, r, s, status, "experiments", "实验", data)
}

// verdictZH words what an experiment's ratings show, in Chinese (experiment.Report.Conclusion),
// with the report's caveats: a significant result that the always-valid interval does not
// confirm, read before its planned size or after it (a p-value holds for one look at a size
// fixed in advance), and a change of the variants' shares within the period (pooled results
// can mislead).
func verdictZH(r *experiment.Report) string {
	standing, fs := r.Conclusion()
	parts := make([]string, len(fs))
	early, late := false, false
	for i, f := range fs {
		switch {
		case standing == experiment.Significant && f.Better:
			parts[i] = fmt.Sprintf("%s 的评分显著高于对照组（%+.2f，p = %s）", f.Variant, f.Diff, experiment.PString(f.P))
		case standing == experiment.Significant:
			parts[i] = fmt.Sprintf("%s 的评分显著低于对照组（%+.2f，p = %s）", f.Variant, f.Diff, experiment.PString(f.P))
		default:
			// Have is the smaller side's count, the control's as often as the variant's.
			parts[i] = fmt.Sprintf("%s 与对照组中评分较少的一组现有 %d 个评分，计划每组 %d 个才能分辨 %.2f 分的差别", f.Variant, f.Have, f.Needed, f.Effect)
		}
		switch {
		case standing != experiment.Significant:
		case f.Confirmed:
			parts[i] += fmt.Sprintf("，随时查看都成立（随时有效区间 %+.2f 至 %+.2f）", f.SeqLow, f.SeqHigh)
		case f.Early():
			early = true
		default:
			late = true
		}
	}
	var out string
	switch standing {
	case experiment.Significant:
		out = strings.Join(parts, "；")
		switch {
		case early:
			out += "（评分未达计划样本量：p 值只对事先定好样本量的一次查看成立，提前或反复查看会高估差别；随时有效区间仍包含 0）"
		case late:
			out += "（未确认：p 值只对达到计划样本量时的那一次查看成立，之后反复查看会高估差别；随时有效区间仍包含 0）"
		}
	case experiment.NoRatings:
		out = "还没有可比较的评分"
	case experiment.NotYet:
		out = "评分暂无显著差别，尚不能判断：" + strings.Join(parts, "；")
	default:
		out = "评分没有显著差别（已达计划样本量）"
		if len(fs) > 0 {
			// variants stopped short of their planned size, left out of the conclusion
			out += "；未达计划样本量就已停止、不作判断：" + strings.Join(parts, "；")
		}
	}
	if a := r.Allocation; a != nil {
		day := a.Since.In(period.CST).Format(time.DateOnly)
		out += fmt.Sprintf("；注意：%s 起各版本的分流比例变了（%s %.0f%% → %.0f%%），合并不同比例的结果可能误导，请从 %s 起看", day, a.Variant, 100*a.Before, 100*a.After, day)
	}
	return out
}

// ratingChart draws each variant's mean rating with its 95 % interval and how often it was
// served, for a screen and for a phone.
func ratingChart(rep experiment.Report) chart {
	b := board.Bars{Title: "平均评分（95% 置信区间）与投放次数", Format: board.Rating, Min: 1, Max: 5, Width: 720}
	for _, v := range rep.Variants {
		item := board.Bar{Label: v.ID, Value: v.Rating.Mean, Low: v.Rating.Low, High: v.Rating.High,
			Note: fmt.Sprintf("投放 %d · 评分 %d", v.Served, v.Rated)}
		switch {
		case v.Stopped:
			item.Color, item.Note = board.ColorMuted, item.Note+" · 已停止"
		case v.Control:
			item.Color, item.Note = board.ColorVolume, item.Note+" · 对照组"
		case v.Gray:
			item.Color, item.Note = board.ColorSuggest, item.Note+" · 灰度"
		default:
			item.Color = board.ColorRating
		}
		if v.Rated == 0 {
			item.Value = math.NaN()
		}
		b.Items = append(b.Items, item)
	}
	wide := board.BarChart(b)
	b.Width, b.Text, b.Stacked = board.Phone.Width, board.Phone.Text, true
	return chart{Wide: wide, Phone: board.BarChart(b)}
}

// experimentsStop stops a variant (or serves a stopped one again): the experiments file's
// stop list is changed, checked against the serving knowledge base, written and reloaded.
func (c *Console) experimentsStop(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	f := r.PostForm
	to := "/console/experiments?since=" + url.QueryEscape(f.Get("since"))
	if c.d.ExperimentsPath == "" || c.d.Experiments == nil {
		c.back(w, r, s, to, "error", "没有配置实验文件（zhiyi serve --experiments），无法停止变体。")
		return
	}
	m := c.d.Model()
	if m == nil || m.KB() == nil {
		c.back(w, r, s, to, "error", "还没有加载带知识库的模型。")
		return
	}
	id, resume := f.Get("variant"), f.Get("action") == "resume"
	if id == "" {
		c.back(w, r, s, to, "error", "没有指定变体。")
		return
	}
	// The operator reads the file by its name: the OS's errors, with the server's paths, go to
	// the service log; the file's own problems are named by line, as experiments.yaml:3: ….
	path, name := c.d.ExperimentsPath, filepath.Base(c.d.ExperimentsPath)
	c.write.Lock()
	defer c.write.Unlock()
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.failed("console: experiments file failed", "experiments", err, "op", "read")
		c.back(w, r, s, to, "error", experimentsUnreadable)
		return
	}
	data, changed, err := editStop(old, id, resume)
	if err != nil {
		c.back(w, r, s, to, "error", fmt.Sprintf("%s 无法修改：%s；请先修正这个文件，实验照旧运行。", name, maskedError(err)))
		return
	}
	if !changed {
		c.back(w, r, s, to, "warn", "没有变化："+id+"。")
		return
	}
	ov, err := experiment.ParseOverrides(data, name)
	if err == nil {
		_, err = experiment.New(experiment.Config{KB: m.KB(), Created: m.Manifest().AnswersFrom(), Overrides: ov})
	}
	if err != nil {
		c.record(s, r, "experiments", "修改实验被拒绝", id)
		c.back(w, r, s, to, "error", "修改被拒绝，实验照旧运行："+maskedError(err))
		return
	}
	if old != nil {
		if err := writeBackup(c.backupName(path), old, path); err != nil {
			c.failed("console: experiments file failed", "experiments", err, "op", "backup")
			c.back(w, r, s, to, "error", experimentsNotWritten)
			return
		}
	}
	if err := intent.WriteFileAtomic(path, data); err != nil {
		c.failed("console: experiments file failed", "experiments", err, "op", "write")
		c.back(w, r, s, to, "error", experimentsNotWritten)
		return
	}
	if err := c.d.Experiments.LoadOverrides(path); err != nil {
		c.failed("console: experiments file failed", "experiments", err, "op", "load")
		msg := "新实验文件没有生效，已恢复旧文件，实验照旧运行；详情见服务日志。"
		if rerr := restore(path, old); rerr != nil {
			c.failed("console: experiments file failed", "experiments", rerr, "op", "restore")
			msg = "新实验文件没有生效，实验照旧运行；但旧文件没能恢复，磁盘上的文件与正在生效的不同，详情见服务日志；旧版本另存在实验文件旁边（" + name + ".<时间>）。"
		}
		c.back(w, r, s, to, "error", msg)
		return
	}
	action, done := "停止变体", "已停止"
	if resume {
		action, done = "恢复变体", "已恢复"
	}
	c.record(s, r, "experiments", action, id+"（"+name+"）")
	c.back(w, r, s, to, "ok", done+" "+id+"，立即生效。")
}

// restore puts back the file that was at path before a write (old; nil: there was none).
func restore(path string, old []byte) error {
	if old == nil {
		return os.Remove(path)
	}
	return intent.WriteFileAtomic(path, old)
}

// editStop adds id to (or, resuming, removes it from) the stop list of an experiments file,
// keeping the rest of the file and its comments. A missing file becomes version 1 with the
// stop list. Its errors are in Chinese, for the operator, and name no file.
func editStop(data []byte, id string, resume bool) ([]byte, bool, error) {
	if id == "" {
		return nil, false, errors.New("没有指定变体")
	}
	var doc yaml.Node
	if len(bytes.TrimSpace(data)) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "version"}, {Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"}}}}}
	} else if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, false, fmt.Errorf("不是有效的 YAML（%w）", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false, errors.New("不是 YAML 映射（应以 version: 1 这样的字段开头）")
	}
	top := doc.Content[0]
	var stop *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "stop" {
			stop = top.Content[i+1]
		}
	}
	if stop == nil {
		if resume {
			return nil, false, nil
		}
		stop = &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "stop"}, stop)
	}
	if stop.Kind != yaml.SequenceNode {
		return nil, false, errors.New("stop 不是列表（应为 stop: [变体, …]）")
	}
	at := slices.IndexFunc(stop.Content, func(n *yaml.Node) bool { return n.Value == id })
	switch {
	case resume && at < 0, !resume && at >= 0:
		return nil, false, nil
	case resume:
		stop.Content = slices.Delete(stop.Content, at, at+1)
	default:
		stop.Content = append(stop.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: id})
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, false, err
	}
	if err := enc.Close(); err != nil {
		return nil, false, err
	}
	return b.Bytes(), true, nil
}

// grayNoteZH words a variant's gray release in Chinese, as experiment.GrayStatus.Note does in
// English; empty without a gray period.
func grayNoteZH(g experiment.GrayStatus, id string) string {
	at := func(t time.Time) string { return t.In(period.CST).Format("2006-01-02 15:04") }
	var basis string
	switch g.Basis {
	case experiment.GrayBasisSuggested:
		basis = "，比较的是 " + at(g.Since) + " 起推荐给客服的答案"
	case experiment.GrayBasisAutomatic:
		basis = "，比较的是 " + at(g.Since) + " 起自动发送的答案"
	case experiment.GrayBasisAll:
		basis = fmt.Sprintf("，比较的是 %s 起的全部答案：对照组推荐给客服并有评分的只有 %d 个，不足 %d 个，所以也计入了它自动发送的答案，这对经客服把关的灰度答案有利",
			at(g.Since), g.ControlSuggested, g.MinRated)
	}
	level := fmt.Sprintf("%g%%", g.LevelPercent())
	rated := fmt.Sprintf("平均评分 %.2f（%d 个）对对照组 %.2f（%d 个）%s", g.Mean, g.Rated, g.ControlMean, g.ControlRated, basis)
	switch g.Reason {
	case experiment.GrayFileReleased:
		return "已在实验文件中放量"
	case experiment.GrayStartUnknown:
		return "灰度：不知道灰度期从何时开始（没有 gray_since，也没有模型的生成时间），实验文件放量前一直灰度"
	case experiment.GrayInPeriod:
		return "灰度到 " + at(g.Until) + "（北京时间）：只推荐给客服，不自动发送"
	case experiment.GrayPeriodOver:
		return "已放量：灰度期已过（对照组或唯一的答案，没有可比较的）"
	case experiment.GrayStaysBack:
		return "已退回灰度：它自动发送的答案评分显著低于对照组；实验文件放量前一直灰度"
	case experiment.GraySentBack:
		return fmt.Sprintf("退回灰度：%s；差值的 %s 随时有效置信区间 [%+.2f, %+.2f] 整个低于 0：显著更差", rated, level, g.Low, g.High)
	case experiment.GrayStaysReleased:
		return fmt.Sprintf("已按评分放量，除非评分显示它显著低于对照组，否则保持放量：%s；%s 随时有效置信区间 [%+.2f, %+.2f]", rated, level, g.Low, g.High)
	case experiment.GrayAwaitingRatings:
		return fmt.Sprintf("灰度：灰度期已过，等待评分（%s 有 %d 个，需 %d 个；对照组有 %d 个，需 %d 个%s）", id, g.Rated, g.MinRated, g.ControlRated, g.MinRated, basis)
	case experiment.GrayIncomparable:
		return "灰度：评分无法比较"
	case experiment.GrayRatedReleased:
		return fmt.Sprintf("已放量：%s；差值的 %s 随时有效下界 %+.2f 不低于 -%.2f", rated, level, g.Low, g.Margin)
	case experiment.GrayMayBeWorse:
		return fmt.Sprintf("灰度：%s；差值的 %s 随时有效下界 %+.2f 低于 -%.2f，可能更差", rated, level, g.Low, g.Margin)
	}
	return ""
}
