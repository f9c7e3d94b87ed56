package console

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/lint"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/session"
)

// Limits of a test: a message as the API takes it, and a few previous turns.
const (
	maxTextBytes = 2048
	maxTurns     = 10
	// turnGap is how far apart previous turns are placed before the message.
	turnGap = 30 * time.Second
	// testChat is the conversation tests run in (in a private store, so never a real one).
	testChat = "console-test"
)

// testForm is what the operator typed.
type testForm struct {
	Text, Channel, Time, Sender, History string
	// what rules are scoped to: the 微信客服 account, the agent, their departments and the
	// customer's tags (the last two comma-separated)
	Account, Agent, Depts, Tags string
}

// list splits a comma-separated form field (，too), dropping blanks.
func list(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// testTurn is one decided turn of a test.
type testTurn struct {
	Text   string // masked
	Result intent.Result
	Lint   []lint.Hit
}

// testData is 测试模式's page.
type testData struct {
	Form     testForm
	Example  string // the textarea's placeholder: a question of the serving shop's
	Channels []string
	Error    string
	Previous []testTurn
	Final    *testTurn
	Note     string
}

func (c *Console) testPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	c.render(w, r, s, http.StatusOK, "test", "测试模式", testData{Channels: channels, Example: c.example()})
}

// example is a question of the serving knowledge base, for the page's placeholder: a tea shop's
// operator was shown the sample shop's 东西不要了怎么寄回去.
func (c *Console) example() string {
	if m := c.d.Model(); m != nil && m.KB() != nil {
		return cmp.Or(m.KB().SampleQuestion(), "你好")
	}
	return "你好"
}

// channels are the request's channel values (rules.Channels).
var channels = rules.Channels

// testRun decides a message (after its previous turns) as a customer would get it, with a
// Replier whose conversations live in a store of this request only: nothing is recorded.
func (c *Console) testRun(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	f := testForm{Text: r.PostForm.Get("text"), Channel: r.PostForm.Get("channel"), Time: r.PostForm.Get("time"),
		Sender: strings.TrimSpace(r.PostForm.Get("sender")), History: r.PostForm.Get("history"),
		Account: strings.TrimSpace(r.PostForm.Get("account")), Agent: strings.TrimSpace(r.PostForm.Get("agent")),
		Depts: r.PostForm.Get("depts"), Tags: r.PostForm.Get("tags")}
	data := testData{Form: f, Channels: channels, Example: c.example()}
	fail := func(msg string) {
		data.Error = msg
		c.render(w, r, s, http.StatusUnprocessableEntity, "test", "测试模式", data)
	}
	var history []string
	for _, line := range strings.Split(strings.ReplaceAll(f.History, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			history = append(history, line)
		}
	}
	switch {
	case strings.TrimSpace(f.Text) == "":
		fail("请输入一条消息。")
		return
	case len(f.Text) > maxTextBytes || !utf8.ValidString(f.Text):
		fail("消息超过 2048 字节（企业微信单条文本的上限）或不是有效的 UTF-8。")
		return
	case len(history) > maxTurns:
		fail("之前的对话最多 " + strconv.Itoa(maxTurns) + " 条。")
		return
	case f.Channel != "" && !contains(channels, f.Channel):
		fail("渠道只能是 wecom、kf 或 mp。")
		return
	case len(f.Sender) > 128:
		fail("发送者 ID 太长。")
		return
	case len(f.Account) > 128 || len(f.Agent) > 128 || len(f.Depts) > 1024 || len(f.Tags) > 1024:
		fail("客服账号、接待成员、部门或客户标签太长。")
		return
	}
	for _, h := range history {
		if len(h) > maxTextBytes || !utf8.ValidString(h) {
			fail("之前的对话中有一条超过 2048 字节或不是有效的 UTF-8。")
			return
		}
	}
	at := c.d.Now()
	if f.Time != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", f.Time, cst)
		if err != nil {
			fail("时间格式应为 2026-11-11T20:30（北京时间）。")
			return
		}
		at = t
	}
	m, release := c.tester()
	defer release() // the engine stays open for every turn of the test, across a reload
	if m == nil {
		fail("还没有加载模型。")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	base := intent.Request{Channel: f.Channel, SenderID: f.Sender, ChatID: testChat,
		OpenKfID: f.Account, AgentID: f.Agent, DeptIDs: list(f.Depts), Tags: list(f.Tags)}
	start := at.Add(-time.Duration(len(history)) * turnGap)
	for i, h := range history {
		req := base
		req.Text, req.MsgID = h, "console-turn-"+strconv.Itoa(i+1)
		req.SentAt = start.Add(time.Duration(i) * turnGap).UnixMilli()
		d := m.Decide(ctx, req)
		m.Commit(ctx, d, d.Result.AppendJSON(nil))
		data.Previous = append(data.Previous, testTurn{Text: d.Text(), Result: d.Result})
	}
	req := base
	req.Text, req.MsgID, req.SentAt, req.Debug = f.Text, "console-message", at.UnixMilli(), true
	d := m.Decide(ctx, req)
	d.Release() // shown, not sent: nothing to remember
	t := testTurn{Text: d.Text(), Result: d.Result}
	t.Lint = c.answerLint(m, &d.Result)
	data.Final = &t
	if f.Sender == "" {
		data.Note = "未填发送者：实验一律给对照组答案。"
	}
	c.render(w, r, s, http.StatusOK, "test", "测试模式", data)
}

// tester returns the model to test with, over a fresh in-memory conversation store, and the
// release of the serving engine it decides with (call it when the test is done, even when the
// model is nil).
func (c *Console) tester() (*reply.Model, func()) {
	m, release := c.d.Acquire()
	if m == nil {
		return nil, release
	}
	sessions := session.NewMemory(session.MemoryConfig{MaxConversations: 4})
	if c.d.Tester != nil {
		return c.d.Tester(m, sessions), release
	}
	cfg := reply.Config{Sessions: sessions}
	if c.d.Rules != nil {
		cfg.Rules = c.d.Rules.Current
	}
	if c.d.Experiments != nil {
		cfg.Experiments = c.d.Experiments.Current
	}
	return reply.NewModel(m.Engine, reply.New(cfg)), release
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// answerLint is the advertising-law lint of the answer a test gave, as zhiyi lint judges it in
// its file: the shop's own wording (a customer's nickname filled in is no claim of the shop's)
// less what the answer's waivers cover (a waived 最大功率 is no warning here either). An answer
// of neither file is linted as sent.
func (c *Console) answerLint(m *reply.Model, res *intent.Result) []lint.Hit {
	a := res.Answer
	if a == nil {
		return nil
	}
	if id, ok := strings.CutPrefix(a.ID, "rule:"); ok && c.d.Rules != nil {
		if set := c.d.Rules.Current(); set != nil {
			if r, ok := set.Rule(id); ok && r.Action.Answer != nil {
				terms := make([]string, len(r.Waive))
				for i, w := range r.Waive {
					terms[i] = w.Term
				}
				return lint.Unwaived(r.Action.Answer, terms)
			}
		}
	}
	if kb := m.KB(); kb != nil {
		for _, in := range kb.Intents {
			for _, ans := range in.Answers {
				if ans.ID == a.ID {
					terms := make([]string, len(ans.Waive))
					for i, w := range ans.Waive {
						terms[i] = w.Term
					}
					return lint.Unwaived(ans.Template(), terms)
				}
			}
		}
	}
	return lint.Text(a.Text)
}
