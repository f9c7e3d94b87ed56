package console

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/authlimit"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Cookie names. The session cookie holds a random id; the sign-in cookie holds the token a
// sign-in form must repeat (double submit), so a forged cross-site form cannot sign someone in.
const (
	sessionCookie = "zhiyi_console"
	loginCookie   = "zhiyi_console_login"
	cookiePath    = "/console"
	// maxSessions bounds the sessions kept; beyond it the least recently used one goes.
	maxSessions = 1000
	// maxNameRunes bounds an operator's name.
	maxNameRunes = 32
)

// auth owns sign-in: the token, sessions, the per-client limit on failed attempts.
type auth struct {
	tokenHash [sha256.Size]byte
	now       func() time.Time
	ttl, idle time.Duration
	limit     *authlimit.Limiter // failed sign-ins per client (the admin API has one of its own)
	compared  func()             // when set, runs before each token comparison: tests count and hold them

	mu       sync.Mutex
	sessions map[string]*sessionInfo
}

// sessionInfo is one signed-in operator. Fields other than the mutable ones are fixed at
// sign-in.
type sessionInfo struct {
	id      string
	CSRF    string
	Name    string // the name the operator gave at sign-in (who, in the audit list)
	Client  string // the client address at sign-in
	created time.Time

	// guarded by auth.mu
	seen   time.Time
	flash  []flash
	sheets map[string]*sheet // 未识别 clusterings shown to this session, by id
}

// flash is a one-time message shown on the next page.
type flash struct {
	Kind string // ok, warn, error
	Text string
}

func newAuth(d Deps) *auth {
	return &auth{tokenHash: sha256.Sum256([]byte(d.AdminToken)), now: d.Now, ttl: d.SessionTTL, idle: d.SessionIdle,
		limit:    authlimit.New(d.LoginAttempts, d.LoginWindow, authlimit.DefaultMaxClients),
		sessions: map[string]*sessionInfo{}}
}

// randomID returns 32 random bytes in hex.
func randomID() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// tokenOK compares a sign-in token with the admin token in constant time (hashes of equal
// length, so not even the length leaks).
func (a *auth) tokenOK(token string) bool {
	if a.compared != nil {
		a.compared()
	}
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], a.tokenHash[:]) == 1
}

// blocked reports whether client has used up its failed attempts, and for how long still. It
// counts nothing: the sign-in counts its comparison with guess.
func (a *auth) blocked(client string) (bool, time.Duration) {
	wait, ok := a.limit.Blocked(client, a.now())
	return ok, wait
}

// guess compares a sign-in token of client with the admin token inside the limiter
// (authlimit.Limiter.Guess), so sign-ins sent at once are compared one at a time, each failure
// counted before the next.
func (a *auth) guess(client, token string) authlimit.Verdict {
	return a.limit.Guess(client, a.now(), func() bool { return a.tokenOK(token) })
}

// start creates a session for a signed-in operator.
func (a *auth) start(name, client string) *sessionInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.sweep(now)
	if len(a.sessions) >= maxSessions {
		var oldest *sessionInfo
		for _, s := range a.sessions {
			if oldest == nil || s.seen.Before(oldest.seen) {
				oldest = s
			}
		}
		delete(a.sessions, oldest.id)
	}
	s := &sessionInfo{id: randomID(), CSRF: randomID(), Name: name, Client: client, created: now, seen: now}
	a.sessions[s.id] = s
	return s
}

// sweep drops expired sessions. Called with mu.
func (a *auth) sweep(now time.Time) {
	for id, s := range a.sessions {
		if a.expired(s, now) {
			delete(a.sessions, id)
		}
	}
}

func (a *auth) expired(s *sessionInfo, now time.Time) bool {
	return now.Sub(s.created) >= a.ttl || now.Sub(s.seen) >= a.idle
}

// lookup returns the live session with this id and marks it used; nil when there is none or
// it has expired.
func (a *auth) lookup(id string) *sessionInfo {
	if id == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[id]
	if s == nil {
		return nil
	}
	now := a.now()
	if a.expired(s, now) {
		delete(a.sessions, id)
		return nil
	}
	s.seen = now
	return s
}

// end removes a session.
func (a *auth) end(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, id)
}

// addFlash queues a message for the session's next page; takeFlash returns and clears them.
func (a *auth) addFlash(s *sessionInfo, kind, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s.flash = append(s.flash, flash{kind, text})
}

func (a *auth) takeFlash(s *sessionInfo) []flash {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// clientOf is the request's client, for the sign-in limit and the change log: the connection's
// address, or behind one of Deps.TrustedProxies the client X-Forwarded-For names
// (authlimit.Client).
func (c *Console) clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return strings.Clone(host)
	}
	return authlimit.Client(a, r.Header.Values("X-Forwarded-For"), c.d.TrustedProxies)
}

// secure reports whether the client reached us over TLS (directly or through a proxy that
// says so), so cookies get the Secure attribute.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: c.d.PathPrefix + cookiePath, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure(r)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(math.Ceil(maxAge.Seconds()))
	}
	http.SetCookie(w, ck)
}

// sameOrigin refuses a request whose Origin header names another site (belt and braces beside
// the CSRF token and SameSite=Strict). A request without Origin passes. Behind a reverse proxy
// that does not pass the browser's Host, the proxy's X-Forwarded-Host counts as the console's
// host: a cross-site form cannot set that header, and a script from another site would need a
// CORS preflight the console never grants.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	fwd, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
	fwd = strings.TrimSpace(fwd)
	return fwd != "" && strings.EqualFold(u.Host, fwd)
}

// originRefused is what a refused Origin's page says: a proxy that passes neither the Host nor
// X-Forwarded-Host looks like another site.
const originRefused = "请求来源与服务地址不一致。经反向代理访问时，请转发 Host 或 X-Forwarded-Host（nginx：proxy_set_header Host $http_host;，带端口）。"

// checkName validates the operator's name: 1–32 letters, digits, spaces or . _ - @, masked
// (a phone number as a name would otherwise reach the audit log and the labels).
func checkName(name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxNameRunes {
		return "", false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" ._-@", r) {
			return "", false
		}
	}
	if masked, kinds := nlp.Mask(nlp.Normalize(name)); kinds != 0 {
		return masked, true // as the masker reads it: 𝟏𝟑𝟖… is a phone number too
	}
	return name, true
}

// loginTokenRe is the form of a sign-in form's token (randomID): anything else in the cookie
// is replaced.
var loginTokenRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// loginData is the sign-in page's data.
type loginData struct {
	Error string
	Name  string
	CSRF  string
	Next  string // the console page asked for before signing in, to return to
}

// nextPage is the page to go to after signing in: the next parameter (in the sign-in page's
// query or its form) when it is a page of this console — 看板 for a week, as a weekly report's
// link opens it — else the console's start. Anything else (another site, //host, a path
// outside the console) is ignored, so the parameter cannot send a signed-in operator away.
func nextPage(r *http.Request) string {
	next := r.URL.Query().Get("next")
	if r.PostForm != nil && r.PostForm.Has("next") {
		next = r.PostForm.Get("next")
	}
	u, err := url.Parse(next)
	if err != nil || next == "" || u.Scheme != "" || u.Host != "" || u.User != nil || strings.ContainsAny(next, "\\\r\n") ||
		!strings.HasPrefix(u.Path, "/console/") || strings.HasPrefix(u.Path, "/console/login") || strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return ""
	}
	return u.RequestURI()
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if s := c.current(r); s != nil {
		c.redirect(w, r, cmp.Or(nextPage(r), "/console/"))
		return
	}
	c.renderLogin(w, r, http.StatusOK, "", "")
}

// renderLogin writes the sign-in page with its double-submit token. A token the browser still
// holds (its cookie lives an hour from the last sign-in page) is kept, its hour renewed: a new
// one at every render made sign-in pages open in two tabs refuse each other's forms.
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg, name string) {
	tok := randomID()
	if ck, err := r.Cookie(loginCookie); err == nil && loginTokenRe.MatchString(ck.Value) {
		tok = ck.Value
	}
	c.setCookie(w, r, loginCookie, tok, time.Hour)
	c.render(w, r, nil, status, "login", "登录", loginData{Error: msg, Name: name, CSRF: tok, Next: nextPage(r)})
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	client := c.clientOf(r)
	if ok, wait := c.auth.blocked(client); ok { // before the form is even read
		c.tooManyAttempts(w, r, client, wait)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, r, http.StatusBadRequest, "表单无法读取。", "")
		return
	}
	if !sameOrigin(r) {
		c.renderLogin(w, r, http.StatusForbidden, originRefused, "")
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		c.renderLogin(w, r, http.StatusForbidden, "登录表单已过期，请重新提交。", "")
		return
	}
	name, okName := checkName(r.PostForm.Get("name"))
	v := c.auth.guess(client, r.PostForm.Get("token"))
	if v.Blocked {
		c.tooManyAttempts(w, r, client, v.RetryAfter)
		return
	}
	if !v.Right {
		c.log.Warn("console sign-in failed", "client", client)
		c.renderLogin(w, r, http.StatusUnauthorized, "管理令牌不正确。", "")
		return
	}
	if !okName {
		c.renderLogin(w, r, http.StatusBadRequest, "请填写您的名字（最多 32 个字，字母、数字、空格或 . _ - @），它会记录在每次修改里。", "")
		return
	}
	s := c.auth.start(name, client)
	c.setCookie(w, r, sessionCookie, s.id, c.d.SessionTTL)
	c.setCookie(w, r, loginCookie, "", -1)
	c.audit.add(c.log, Change{Time: c.d.Now(), By: s.Name, Client: client, Area: "session", Action: "登录"})
	c.redirect(w, r, cmp.Or(nextPage(r), "/console/"))
}

// tooManyAttempts is the blocked client's 429, with Retry-After in whole seconds (rounded up,
// so that a client waiting that long is let in).
func (c *Console) tooManyAttempts(w http.ResponseWriter, r *http.Request, client string, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	c.log.Warn("console sign-in refused: too many attempts", "client", client)
	c.renderLogin(w, r, http.StatusTooManyRequests, "尝试次数过多，请 "+waitText(wait)+" 后再试。", "")
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	c.auth.end(s.id)
	c.setCookie(w, r, sessionCookie, "", -1)
	c.record(s, r, "session", "退出", "")
	c.redirect(w, r, "/console/login")
}

// current returns the request's live session, or nil.
func (c *Console) current(r *http.Request) *sessionInfo {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return c.auth.lookup(ck.Value)
}

// signedIn lets only signed-in operators through (others go to the sign-in page, or get 401
// for a POST) and checks the CSRF token of every POST.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *sessionInfo)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.current(r)
		if s == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				// back to this page after signing in: a report's link to a week's 看板 opened
				// on a phone not signed in ended on the console's start
				to := "/console/login"
				if r.URL.Path != "/console/" {
					to += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				c.redirect(w, r, to)
				return
			}
			c.errorPage(w, r, nil, http.StatusUnauthorized, "登录已过期，请重新登录。")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				c.errorPage(w, r, s, http.StatusBadRequest, "表单无法读取（最大 1 MiB）。")
				return
			}
			if !sameOrigin(r) {
				c.log.Warn("console: Origin refused", "by", s.Name, "client", c.clientOf(r), "path", strings.Clone(r.URL.Path))
				c.errorPage(w, r, s, http.StatusForbidden, originRefused)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.CSRF)) != 1 {
				c.log.Warn("console: CSRF check failed", "by", s.Name, "client", c.clientOf(r), "path", strings.Clone(r.URL.Path))
				c.errorPage(w, r, s, http.StatusForbidden, "表单校验失败（CSRF），请刷新页面后重试。")
				return
			}
		}
		h(w, r, s)
	})
}

// maxFormBytes bounds a form (a rules file is the largest).
const maxFormBytes = 1 << 20

func waitText(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "1 分钟"
	}
	return strconv.Itoa(m) + " 分钟"
}
