package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
	"github.com/zhiyi-ai/zhiyi/lint"
	"github.com/zhiyi-ai/zhiyi/rules"
)

// backupLayout names a previous rules file: rules.yaml.20261203T101500Z beside it.
const backupLayout = "20060102T150405Z"

// ruleRow is one rule as the page lists it.
type ruleRow struct {
	ID, Comment, Action, Target string
	Priority, Line              int
	Enabled                     bool
}

// answerRow is one knowledge-base answer.
type answerRow struct {
	Intent, Label, Category string
	Handoff                 bool
	ID, Text, Gray          string
	Weight                  string
}

// version is a previous rules file.
type version struct {
	Name string
	Size int64
	Time time.Time
}

// ruleHit is the test box's answer.
type ruleHit struct {
	Text, Terms string
	Rule        *ruleRow
	Answer      string
}

// rulesData is 规则与答案's page.
type rulesData struct {
	Path        string
	NoRules     bool   // no rules file configured
	Missing     bool   // configured, not there yet
	Content     string // the editor's text
	Base        string // hash of the file the editor started from
	Errors      []string
	Warnings    []string // rules that load but never apply (rules.Set.Warnings)
	Saved       bool
	Rules       []ruleRow
	Lint        []lint.Finding
	KBLint      []lint.Finding
	KBError     string
	Answers     []answerRow
	Versions    []version
	Changes     []Change
	TestText    string
	TestChannel string
	TestError   string // the test box's own problem (an empty message, no model), not the file's
	Channels    []string
	Hit         *ruleHit
	Tested      bool
}

func (c *Console) rulesPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	data := c.rulesData()
	c.render(w, r, s, http.StatusOK, "rules", "规则与答案", data)
}

// rulesData reads the rules file, the serving rules, the knowledge base and their findings.
func (c *Console) rulesData() *rulesData {
	d := &rulesData{Path: c.d.RulesPath, Channels: channels, Changes: c.audit.list("rules")}
	if c.d.RulesPath == "" || c.d.Rules == nil {
		d.NoRules = true
	} else {
		data, err := os.ReadFile(c.d.RulesPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.Missing = true
		case err != nil:
			d.Errors = []string{maskedError(err)}
		default:
			d.Content = string(data)
			d.Base = hashOf(data)
			if set, err := rules.Parse(data, c.d.RulesPath, c.rulesOptions()); err != nil {
				d.Errors = lines(err)
			} else {
				d.Warnings = set.Warnings()
			}
			d.Lint, _ = lint.Rules(data, c.d.RulesPath, c.rulesOptions())
		}
		d.Rules = ruleRows(c.d.Rules.Current())
		d.Versions = backups(c.d.RulesPath)
	}
	if m := c.d.Model(); m != nil {
		d.Answers = answerRows(m.KB())
	}
	if dir := c.d.ModelDir(); dir != "" {
		kb := filepath.Join(dir, intent.KBFile)
		f, err := lint.KBFile(kb)
		if err != nil {
			d.KBError = maskedError(err)
		}
		d.KBLint = f
	}
	return d
}

// rulesOptions are the options rules are checked with: the serving bundle's intents and
// analyzer, as zhiyi serve loads them.
func (c *Console) rulesOptions() rules.Options {
	if c.d.RulesOptions != nil {
		return c.d.RulesOptions()
	}
	m := c.d.Model()
	if m == nil {
		return rules.Options{}
	}
	opt := rules.Options{Analyzer: m.Analyzer()}
	if kb := m.KB(); kb != nil {
		opt.Intents = func(id string) bool { _, ok := kb.Intent(id); return ok || id == intent.NoneIntent }
	}
	return opt
}

// rulesTest says which serving rule a message fires.
func (c *Console) rulesTest(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	d := c.rulesData()
	d.TestText, d.TestChannel, d.Tested = r.PostForm.Get("text"), r.PostForm.Get("channel"), true
	m := c.d.Model()
	status := http.StatusOK
	switch {
	case d.NoRules:
	case strings.TrimSpace(d.TestText) == "" || len(d.TestText) > maxTextBytes || !utf8.ValidString(d.TestText):
		d.TestError = "测试消息为空或超过 2048 字节。"
		status = http.StatusUnprocessableEntity
	case m == nil:
		d.TestError = "还没有加载模型。"
	default:
		an := m.Analyzer().Analyze(d.TestText)
		hit := &ruleHit{Text: an.Text, Terms: strings.Join(an.Terms, " ")}
		if set := c.d.Rules.Current(); set != nil {
			if rl := set.Match(&rules.Input{Text: an.Text, Terms: an.Terms, Channel: d.TestChannel, SentAt: c.d.Now().UnixMilli()}); rl != nil {
				row := rowOf(rl)
				hit.Rule = &row
				if rl.Action.Answer != nil {
					hit.Answer = rl.Action.Answer.Fill(nil)
				}
			}
		}
		d.Hit = hit
	}
	c.render(w, r, s, status, "rules", "规则与答案", d)
}

// rulesSave validates the edited file and, when it is valid, keeps the previous file beside
// it, writes the new one atomically and has the service use it at once.
func (c *Console) rulesSave(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	if c.d.RulesPath == "" || c.d.Rules == nil {
		c.back(w, r, s, "/console/rules", "error", "没有配置规则文件（zhiyi serve --rules），无法保存。")
		return
	}
	content := strings.ReplaceAll(r.PostForm.Get("content"), "\r\n", "\n")
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	data := []byte(content)
	refuse := func(status int, errs []string) {
		d := c.rulesData()
		d.Content, d.Base, d.Errors = content, r.PostForm.Get("base"), errs
		c.render(w, r, s, status, "rules", "规则与答案", d)
	}
	if !utf8.Valid(data) {
		refuse(http.StatusUnprocessableEntity, []string{"规则文件不是有效的 UTF-8。"})
		return
	}
	c.write.Lock()
	defer c.write.Unlock()
	// The OS's errors, with the server's paths, go to the service log, as 实验's do; the
	// operator reads what failed and what to do. The file's own problems are named by line.
	old, err := os.ReadFile(c.d.RulesPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.failed("console: rules file failed", "rules", err, "op", "read")
		refuse(http.StatusInternalServerError, []string{rulesUnreadable})
		return
	}
	if base := r.PostForm.Get("base"); (old != nil || base != "") && base != hashOf(old) {
		refuse(http.StatusConflict, []string{"规则文件在您编辑期间被修改过（别人保存了新版本，或文件被直接改动）。请复制您的修改，刷新页面后再改。"})
		return
	}
	if bytes.Equal(old, data) {
		c.back(w, r, s, "/console/rules", "warn", "内容没有变化，没有保存新版本。")
		return
	}
	opt := c.rulesOptions()
	// Findings refuse the save as zhiyi serve refuses them at a load: saved, they went live at
	// once and answered customers with what the page called a warning.
	set, err := lint.ParseRules(data, c.d.RulesPath, opt)
	if errors.Is(err, lint.ErrFindings) {
		// listed where the page lists the file's findings, in Chinese: those of the text refused
		findings, _ := lint.Rules(data, c.d.RulesPath, opt)
		c.record(s, r, "rules", "保存规则被拒绝", fmt.Sprintf("%d 处广告法检查问题", len(findings)))
		d := c.rulesData()
		d.Content, d.Base, d.Lint = content, r.PostForm.Get("base"), findings
		d.Errors = []string{fmt.Sprintf("有 %d 处答案没有通过广告法检查（见下方“广告法检查”）：请改写答案，或在规则下写明理由豁免该用语（waive: [{term: …, reason: …}]）。", len(findings))}
		c.render(w, r, s, http.StatusUnprocessableEntity, "rules", "规则与答案", d)
		return
	}
	if err != nil {
		c.record(s, r, "rules", "保存规则被拒绝", fmt.Sprintf("%d 个问题", len(lines(err))))
		refuse(http.StatusUnprocessableEntity, lines(err))
		return
	}
	backup := ""
	if old != nil {
		backup = c.backupName(c.d.RulesPath)
		if err := writeBackup(backup, old, c.d.RulesPath); err != nil {
			c.failed("console: rules file failed", "rules", err, "op", "backup")
			refuse(http.StatusInternalServerError, []string{rulesNotWritten})
			return
		}
	}
	if err := writeRulesFile(c.d.RulesPath, data); err != nil {
		c.failed("console: rules file failed", "rules", err, "op", "write")
		refuse(http.StatusInternalServerError, []string{rulesNotWritten})
		return
	}
	// Load reads back what was written, so what serves is what is on disk.
	if err := loadRules(c.d.Rules, c.d.RulesPath, opt); err != nil {
		c.failed("console: rules file failed", "rules", err, "op", "load")
		msg := "新规则没有生效，已恢复旧文件："
		if rerr := restore(c.d.RulesPath, old); rerr != nil {
			c.failed("console: rules file failed", "rules", rerr, "op", "restore")
			msg = "新规则没有生效，旧规则继续服务；但旧文件没能恢复，磁盘上的文件与正在生效的不同，详情见服务日志："
		}
		// The file's problems are named by line; the OS's (it could not be read back) are in
		// the service log, with the server's paths, as a failed write's are.
		shown := lines(err)
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			shown = []string{rulesNotReadBack}
		}
		refuse(http.StatusInternalServerError, append([]string{msg}, shown...))
		return
	}
	detail := fmt.Sprintf("%s：%d 条规则", filepath.Base(c.d.RulesPath), len(set.Rules()))
	if backup != "" {
		detail += "，旧版本保存为 " + filepath.Base(backup)
	}
	c.record(s, r, "rules", "保存规则", detail)
	msg := "规则已保存并立即生效（" + detail + "）。"
	kind := "ok"
	if findings, _ := lint.Rules(data, c.d.RulesPath, opt); len(findings) > 0 {
		// only waivers that waive nothing are left (lint.ParseRules refuses the rest)
		kind = "warn"
		msg += fmt.Sprintf(" 注意：有 %d 条豁免没有对应任何发现，可以删除，见下方。", len(findings))
	}
	for _, msg := range set.Warnings() {
		c.log.Warn("console: rules saved with a warning", "page", "rules", "warning", msg)
	}
	if n := len(set.Warnings()); n > 0 {
		kind = "warn"
		msg += fmt.Sprintf(" 注意：有 %d 条规则提醒（如永远不会生效的规则），见上方。", n)
	}
	c.back(w, r, s, "/console/rules", kind, msg)
}

// loadRules makes the rules file at path current in live as zhiyi serve loads it (lint.LoadRules).
func loadRules(live *rules.Live, path string, opt rules.Options) error {
	set, err := lint.LoadRules(path, opt)
	if err != nil {
		return err
	}
	live.Store(set)
	return nil
}

// writeRulesFile writes the rules file; tests replace it to fail as a read-only directory or a
// full disk does (root, who runs them, may write anywhere).
var writeRulesFile = intent.WriteFileAtomic

// backupName is a new name beside a file (rules, experiments) for its previous version.
func (c *Console) backupName(path string) string {
	base := path + "." + c.d.Now().UTC().Format(backupLayout)
	name := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, i)
	}
}

// writeBackup writes the previous version of a file (rules, experiments) to name with the
// file's own mode: a copy of a 0600 rules.yaml must not be readable by everyone. It is written
// whole beside name and linked into place (atomicfile.WriteNew): made empty first and filled
// after, a kill between the two left an empty version listed among the others, and the filling's
// temporary file beside it for ever.
func writeBackup(name string, data []byte, original string) error {
	perm := fs.FileMode(0o600)
	if st, err := os.Stat(original); err == nil {
		perm = st.Mode().Perm()
	}
	if err := atomicfile.WriteNew(name, original, data, perm); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	pruneBackups(original, maxBackups)
	return nil
}

// maxBackups is how many previous versions of a file the console keeps: each save wrote one,
// for ever, and every view of the page lists them.
const maxBackups = 100

// pruneBackups removes the oldest previous versions of the file at path beyond keep: names the
// console gave them (backupName), not other files that begin like them. Best effort: a version
// that cannot be removed stays, listed, until the next save tries again.
func pruneBackups(path string, keep int) {
	vs := backups(path) // newest first
	var ours []version
	for _, v := range vs {
		if isBackupName(v.Name, filepath.Base(path)) {
			ours = append(ours, v)
		}
	}
	for _, v := range ours[min(keep, len(ours)):] {
		os.Remove(filepath.Join(filepath.Dir(path), v.Name))
	}
}

// isBackupName reports whether name is one backupName gives a previous version of the file
// named base: base.<UTC second>, or with -2, -3 … after it.
func isBackupName(name, base string) bool {
	rest, ok := strings.CutPrefix(name, base+".")
	if !ok || len(rest) < len(backupLayout) {
		return false
	}
	if _, err := time.Parse(backupLayout, rest[:len(backupLayout)]); err != nil {
		return false
	}
	n, hasN := strings.CutPrefix(rest[len(backupLayout):], "-")
	if !hasN {
		return rest[len(backupLayout):] == ""
	}
	i, err := strconv.Atoi(n)
	return err == nil && i >= 2 && strconv.Itoa(i) == n
}

// backups lists the previous versions beside the rules file, newest first.
func backups(path string) []version {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil
	}
	prefix := filepath.Base(path) + "."
	var out []version
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || e.IsDir() || len(rest) < len(backupLayout) {
			continue
		}
		t, err := time.Parse(backupLayout, rest[:len(backupLayout)])
		if err != nil {
			continue
		}
		v := version{Name: e.Name(), Time: t}
		if info, err := e.Info(); err == nil {
			v.Size = info.Size()
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b version) int { return strings.Compare(b.Name, a.Name) })
	return out
}

func ruleRows(set *rules.Set) []ruleRow {
	if set == nil {
		return nil
	}
	out := make([]ruleRow, 0, len(set.Rules()))
	for _, rl := range set.Rules() {
		out = append(out, rowOf(rl))
	}
	return out
}

func rowOf(rl *rules.Rule) ruleRow {
	row := ruleRow{ID: rl.ID, Comment: rl.Comment, Action: rl.Action.Kind.String(), Priority: rl.Priority, Line: rl.Line, Enabled: rl.Enabled}
	switch rl.Action.Kind {
	case rules.ActAnswer:
		if rl.Action.NoHandoff {
			row.Target = "never"
		}
	case rules.ActIntent:
		row.Target = rl.Action.Intent
	case rules.ActHandoff:
		row.Target = [...]string{"", "urgent", "high", "normal"}[min(max(rl.Action.Handoff, 0), 3)]
	}
	if rl.Action.Answer != nil {
		if row.Target != "" {
			row.Target += "："
		}
		row.Target += rl.Action.Answer.String()
	}
	return row
}

func answerRows(kb *index.KB) []answerRow {
	if kb == nil {
		return nil
	}
	var out []answerRow
	for _, in := range kb.Intents {
		for _, a := range in.Answers {
			row := answerRow{Intent: in.ID, Label: in.Label, Category: in.Category, Handoff: in.Handoff, ID: a.ID, Text: a.Text, Gray: a.Gray}
			if a.Weight != nil {
				row.Weight = fmt.Sprint(*a.Weight)
			}
			out = append(out, row)
		}
	}
	return out
}

// lines splits a joined error into its messages (each file:line: problem).
func lines(err error) []string {
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func hashOf(data []byte) string {
	if data == nil {
		return ""
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:12])
}
