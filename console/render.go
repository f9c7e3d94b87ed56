package console

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// cst is China Standard Time, the shops' clock: pages show times in it and read dates in it.
var cst = board.CST

// pageTemplate is one page: the layout with the page's content.
type pageTemplate struct{ t *template.Template }

// view is what the layout renders around a page's own data.
type view struct {
	Title string
	Nav   string // the page's name, for the navigation
	User  string
	CSRF  string
	Flash []flash
	Model string // the version serving now
	Data  any
}

var funcs = template.FuncMap{
	"pct": func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "–"
		}
		return stat.PercentText(v, 1) + "%" // 0.9996 is >99.9%, not 100.0%
	},
	"f2": func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "–"
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	},
	// rating bounds a mean rating's interval to the scale, 1 to 5: a t interval of a few
	// ratings reaches past it ([0.74, 6.76]), and no mean of 1-to-5 ratings lies there.
	"rating": func(v float64) float64 {
		if math.IsNaN(v) {
			return v
		}
		return min(max(v, 1), 5)
	},
	"f3": func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "–"
		}
		return strconv.FormatFloat(v, 'f', 3, 64)
	},
	"pval":     experiment.PString, // 2.3e-08, not 0.000
	"grayZH":   grayNoteZH,
	"reasonZH": intent.ReasonLabel, // a route's reason, in Chinese
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.In(cst).Format("2006-01-02 15:04:05")
	},
	"us":   func(v int64) string { return board.Micros(float64(v)) },
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
}

// chart is one chart drawn twice: Wide for a screen and Phone narrower, with larger text
// (board.Phone), for a phone's. The partial "chart" writes both and the stylesheet shows one:
// drawn 640 units wide into a 390 px phone's screen, a chart's text would be 5.6 px.
type chart struct{ Wide, Phone template.HTML }

// parsePages parses the layout and the partials (partial_*.html) with each page of templates/.
func parsePages(prefix string) (map[string]*pageTemplate, error) {
	// base is the path the browser sees before /console (Deps.PathPrefix), in every link
	base, err := template.New("layout.html").Funcs(funcs).Funcs(template.FuncMap{"base": func() string { return prefix }}).ParseFS(assets, "templates/layout.html", "templates/partial_*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" || strings.HasPrefix(name, "partial_") {
			continue // the layout and the partials every page has
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("console: templates: %w", err)
		}
		pages[name] = &pageTemplate{t}
	}
	return pages, nil
}

// render writes a page: the layout around templates/<name>.html with data. It renders into a
// buffer first, so a template error is a clean 500, never half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *sessionInfo, status int, name, title string, data any) {
	p := c.pages[name]
	v := view{Title: title, Nav: name, Data: data}
	if s != nil {
		v.User, v.CSRF, v.Flash = s.Name, s.CSRF, c.auth.takeFlash(s)
	}
	if m := c.d.Model(); m != nil {
		v.Model = m.Version()
	}
	var b bytes.Buffer
	if err := p.t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		c.log.Error("console: page failed", "page", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// errorPage answers with a short page saying what went wrong.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, s *sessionInfo, status int, msg string) {
	c.render(w, r, s, status, "error", http.StatusText(status), msg)
}

// back queues a flash and sends the browser to a page (after a POST: the page is then
// reloadable without resending the form).
func (c *Console) back(w http.ResponseWriter, r *http.Request, s *sessionInfo, to, kind, msg string) {
	if msg != "" {
		c.auth.addFlash(s, kind, msg)
	}
	c.redirect(w, r, to)
}

// redirect sends the browser to a console path (/console/…) with 303, under Deps.PathPrefix.
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, c.d.PathPrefix+to, http.StatusSeeOther)
}

// CheckPathPrefix refuses a Deps.PathPrefix that links could not carry as it is: it must start
// with a slash, not end with one, and hold only plain URL path segments (no . or ..).
func CheckPathPrefix(p string) error {
	if p == "" {
		return nil
	}
	ok := strings.HasPrefix(p, "/") && !strings.HasSuffix(p, "/")
	for _, seg := range strings.Split(p[min(1, len(p)):], "/") {
		ok = ok && seg != "" && seg != "." && seg != ".."
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-._~", r)) {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("console: path prefix %q: want a path such as /zhiyi (a leading slash, no trailing one; letters, digits, - . _ ~ and /)", p)
	}
	return nil
}

// prefixCheck answers every request whose proxy names, in X-Forwarded-Prefix, a path other
// than Deps.PathPrefix with a page saying so. Behind nginx at /cs/ and --console-prefix /zhiyi,
// the first page sent the browser to /zhiyi/console/login, the site's own 404, and nothing
// named the mismatch. nginx sends the header when told to (docs/console.md); Traefik's
// StripPrefix always does. A client that sends it itself only spoils its own pages, and a
// cross-site form cannot send it. A list (proxies in a chain) is left alone: which one is ours?
func (c *Console) prefixCheck(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fwd := r.Header.Get("X-Forwarded-Prefix")
		if fwd == "" || strings.Contains(fwd, ",") || strings.TrimRight(fwd, "/") == c.d.PathPrefix {
			h.ServeHTTP(w, r)
			return
		}
		c.log.Warn("console: the proxy's path is not --console-prefix", "x_forwarded_prefix", strings.Clone(fwd), "console_prefix", c.d.PathPrefix)
		c.headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.errorPage(w, r, nil, http.StatusInternalServerError, "控制台的路径前缀（--console-prefix）是「"+cmp.Or(c.d.PathPrefix, "（无）")+"」，反向代理却在「"+fwd+"」下转发它（X-Forwarded-Prefix）。请让两者一致：改 --console-prefix，或改反向代理的 location。")
		})).ServeHTTP(w, r)
	})
}
