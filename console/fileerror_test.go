package console

import (
	"context"
	"errors"
	"fmt"

	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// 模型 and 实验's actions printed the error as it came — "无法读取模型目录：open
// /var/lib/zhiyi/models: no such file or directory", "启用模型失败，原模型 … 继续服务：bundle
// /var/lib/…: classifier.bin: …", "无法读取实验文件：read /etc/zhiyi/experiments.yaml: is a
// directory" — with the server's paths, in the driver's or the OS's English, and nothing reached
// the service log. The operator now reads what failed and what to do; the error is logged with
// the page. A problem of the operator's own making (a stop that leaves an intent no answer, an
// experiments file that is not YAML) is still named, line and all, but by the file's name alone.
func TestFileErrorsLoggedNotShown(t *testing.T) {
	for _, tt := range []struct {
		name string
		// do breaks something and acts; it returns the page the operator then reads.
		do     func(t *testing.T, e *env, cl *client, partsErr *error) response
		shown  []string // on the page
		logged []string // in the service log; none: nothing need be logged (the operator's own input)
	}{
		{"models root gone", func(t *testing.T, e *env, cl *client, _ *error) response {
			if err := os.RemoveAll(e.root); err != nil {
				t.Fatal(err)
			}
			return cl.get("/console/models")
		}, []string{modelsRootUnreadable}, []string{"console: models root failed", `"page":"models"`, "no such file or directory"}},

		{"promote a broken bundle", func(t *testing.T, e *env, cl *client, _ *error) response {
			broken := laterCopy(t, e, "broken")
			if err := os.Remove(filepath.Join(broken, intent.ClassifierFile)); err != nil {
				t.Fatal(err)
			}
			cl.post("/console/models/promote", url.Values{"bundle": {"broken"}})
			return cl.get("/console/models")
		}, []string{"启用模型失败", "继续服务", "详情见服务日志"}, []string{"console: reload failed", `"page":"models"`, intent.ClassifierFile, `"bundle":"broken"`}},

		{"promote switched, the rules not reloaded", func(t *testing.T, e *env, cl *client, partsErr *error) response {
			laterCopy(t, e, "child")
			*partsErr = fmt.Errorf("%s:3: intent no_such_intent: not in the knowledge base", e.rules)
			cl.post("/console/models/promote", url.Values{"bundle": {"child"}})
			return cl.get("/console/models")
		}, []string{"启用模型成功，现在服务的是", "规则或实验没有重新加载", "规则与答案"}, []string{"console: reload failed", "no_such_intent", "rules.yaml:3"}},

		// A retrained bundle that renamed an intent the experiments file still names: the
		// switch is refused and the bundle is sound. The page said 新模型没能加载 and to check the
		// bundle's files or retrain; it names the file's line now, by the file's name.
		{"promote refused, the experiments do not fit", func(t *testing.T, e *env, cl *client, partsErr *error) response {
			laterCopy(t, e, "child")
			*partsErr = fmt.Errorf("%w: %s:5: weights: no intent \"shipping_time\" in the knowledge base", ErrPartsRefused, e.exps)
			cl.post("/console/models/promote", url.Values{"bundle": {"child"}})
			return cl.get("/console/models")
		}, []string{"启用模型被拒绝", "继续服务", "experiments.yaml:5: weights: no intent &#34;shipping_time&#34;", "zhiyi lint"}, []string{"console: reload failed", "shipping_time"}},

		{"experiments file unreadable", func(t *testing.T, e *env, cl *client, _ *error) response {
			if err := os.Mkdir(e.exps, 0o755); err != nil {
				t.Fatal(err)
			}
			cl.post("/console/experiments/stop", url.Values{"variant": {"invoice.b"}, "action": {"stop"}, "since": {"30d"}})
			return cl.get("/console/experiments?since=30d")
		}, []string{experimentsUnreadable}, []string{"console: experiments file failed", `"page":"experiments"`, "is a directory"}},

		{"a stop that leaves the intent no answer", func(t *testing.T, e *env, cl *client, _ *error) response {
			if err := os.WriteFile(e.exps, []byte("version: 1\nstop: [invoice.b]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := e.expLive.LoadOverrides(e.exps); err != nil {
				t.Fatal(err)
			}
			cl.post("/console/experiments/stop", url.Values{"variant": {"invoice.a"}, "action": {"stop"}, "since": {"30d"}})
			return cl.get("/console/experiments?since=30d")
		}, []string{"修改被拒绝，实验照旧运行", "experiments.yaml:", `intent &#34;invoice&#34; would have no answer left`}, nil},

		{"an experiments file that is not YAML", func(t *testing.T, e *env, cl *client, _ *error) response {
			if err := os.WriteFile(e.exps, []byte("version: 1\n\tstop: [invoice.b]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cl.post("/console/experiments/stop", url.Values{"variant": {"invoice.a"}, "action": {"stop"}, "since": {"30d"}})
			return cl.get("/console/experiments?since=30d")
		}, []string{"experiments.yaml 无法修改", "YAML", "line 2"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				e        *env
				partsErr error
			)
			e = newEnv(t, envOpt{bundle: "ab", mutate: func(d *Deps) {
				d.Reload = func(ctx context.Context, dir string) error {
					if errors.Is(partsErr, ErrPartsRefused) {
						return partsErr // refused before the switch, as zhiyi serve's wiring does
					}
					if err := e.reload(ctx, dir); err != nil {
						return err
					}
					return partsErr
				}
			}})
			cl := e.client()
			cl.login("ops")
			logged := e.logs.Len()
			r := tt.do(t, e, cl, &partsErr)
			body := pageMain(r.Body)
			flashes := flashErrorRe.FindAllString(body, -1)
			for _, s := range tt.shown {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %q: %s", s, flashes)
				}
			}
			// The pages name the models root and the experiments file they work on, on purpose.
			body = strings.NewReplacer("<code>"+e.root+"</code>", "", "<code>"+e.exps+"</code>", "").Replace(body)
			// The temporary directory, masked or not (nlp.Mask may take its digits for an order
			// number), is named for the test.
			dir := filepath.Dir(e.root)
			for _, leak := range []string{dir, "TestFileErrors", "no such file", "is a directory", "open /"} {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows %q: %s", leak, flashes)
				}
			}
			line := e.logs.String()[logged:]
			for _, s := range tt.logged {
				if !strings.Contains(line, s) {
					t.Errorf("the service log lacks %q:\n%s", s, line)
				}
			}
		})
	}
}

// laterCopy copies the serving bundle to name under the models root with a manifest a second
// newer: a bundle the 模型 page can promote (not taken for a rollback to an older one).
func laterCopy(t *testing.T, e *env, name string) string {
	t.Helper()
	dir := filepath.Join(e.root, name)
	copyDir(t, *e.curDir.Load(), dir)
	pm, err := intent.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := *pm
	m.CreatedAt = m.CreatedAt.Add(time.Second)
	if err := intent.WriteManifest(dir, &m); err != nil {
		t.Fatal(err)
	}
	return dir
}
