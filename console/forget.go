package console

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// forgetData is 数据删除's page.
type forgetData struct {
	Off bool // no decision log, or no Forget in Deps
	// A preview: the ids asked about, how many decisions the log holds of them and the newest
	// of those (previewRows at most).
	SenderID, ChatID string
	Previewed        bool
	Count            int
	Rows             []store.Decision
	Error            string
}

// previewRows is how many of a subject's decisions the preview lists, the newest.
const previewRows = 50

func (c *Console) forgetPage(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	c.render(w, r, s, http.StatusOK, "forget", "数据删除", forgetData{Off: c.d.Forget == nil})
}

// forgetPreview shows what the log holds of a subject before anything is deleted: how many
// decisions, and the newest of them as the log keeps them (masked). A POST, so that the id
// stays out of URLs and access logs.
func (c *Console) forgetPreview(w http.ResponseWriter, r *http.Request, s *sessionInfo, subject store.Subject) {
	d := forgetData{SenderID: subject.SenderID, ChatID: subject.ChatID, Previewed: true}
	err := c.d.DB.Decisions(r.Context(), store.Query{Of: &subject, Newest: true}, func(x *store.Decision) error {
		d.Count++
		if len(d.Rows) < previewRows {
			d.Rows = append(d.Rows, *x)
		}
		return nil
	})
	if err != nil {
		c.failed("console: forget preview failed", "forget", err)
		d.Error = "决策日志现在无法读取，请稍后再试。"
	}
	c.render(w, r, s, http.StatusOK, "forget", "数据删除", d)
}

// forgetRun deletes a customer's or a conversation's records (Deps.Forget) once the operator
// has confirmed it. The change log says that records were deleted and how many, never whose:
// the id of someone who asked to be forgotten is not kept.
func (c *Console) forgetRun(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	if c.d.Forget == nil {
		c.back(w, r, s, "/console/forget", "error", "这个服务没有决策日志，没有可删除的记录。")
		return
	}
	subject := store.SubjectOf(r.PostForm.Get("sender_id"), r.PostForm.Get("chat_id"))
	if subject.SenderID == "" && subject.ChatID == "" {
		c.back(w, r, s, "/console/forget", "error", "请填写客户 ID（sender_id）或会话 ID（chat_id）。")
		return
	}
	if r.PostForm.Get("action") == "preview" {
		c.forgetPreview(w, r, s, subject)
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		c.back(w, r, s, "/console/forget", "error", "请勾选确认：删除后无法恢复。")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	n, err := c.d.Forget(ctx, subject)
	counts := fmt.Sprintf("%d 条决策记录、%d 条评价、%d 条标注", n.Decisions, n.Feedback, n.Labels)
	if err != nil {
		c.failed("console: forget failed", "forget", err)
		c.record(s, r, "forget", "删除个人数据（未完成）", "已删除 "+counts)
		c.back(w, r, s, "/console/forget", "error", "决策日志现在无法完成删除，已删除 "+counts+"（不会恢复）。请稍后再提交一次以删完。")
		return
	}
	what := "客户"
	if subject.SenderID == "" {
		what = "会话"
	}
	c.record(s, r, "forget", "删除个人数据", what+"："+counts)
	c.back(w, r, s, "/console/forget", "ok", "已删除该"+what+"的 "+counts+"。")
}
