package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// EmailConfig says where alert e-mail goes.
type EmailConfig struct {
	// SMTP is the relay:
	//
	//	smtp://[user:password@]host[:port][?tls=starttls|opportunistic|none][&auth=…]
	//	smtps://[user:password@]host[:port]
	//
	// smtp:// requires STARTTLS unless tls says otherwise (opportunistic: when offered; none:
	// plain, for a relay on localhost or a trusted network); smtps:// is TLS from the first
	// byte. The port defaults to 587 (STARTTLS), 25 (tls=none) or 465 (smtps). A user name
	// turns on SMTP AUTH, by default the strongest mechanism the server offers that is safe on
	// the connection (go-mail's autodiscovery); auth=plain, login, cram-md5, scram-sha-256 or
	// plain-noenc (PLAIN without TLS, for a trusted relay) picks one.
	SMTP string
	From string   // the sender address
	To   []string // the recipients, at least one
	// TLSConfig verifies the server (nil: the system roots; an empty ServerName means the host
	// of SMTP).
	TLSConfig *tls.Config
}

// Email sends alerts as one plain-text e-mail per message through an SMTP relay, using
// github.com/wneessen/go-mail: it does STARTTLS and implicit TLS, the SMTP AUTH mechanisms
// (with safe autodiscovery), RFC 5322 headers and MIME encoding of Chinese subjects and
// bodies, which net/smtp leaves to the caller (and net/smtp is frozen). Each Notify opens one
// connection: alerts are rare, and a connection held open would go stale. Safe for
// concurrent use.
type Email struct {
	host     string
	port     int
	ssl      bool
	policy   gomail.TLSPolicy
	auth     gomail.SMTPAuthType
	user     string
	password string
	from     string
	to       []string
	tls      *tls.Config
}

// NewEmail checks c and returns its notifier.
func NewEmail(c EmailConfig) (*Email, error) {
	u, err := url.Parse(c.SMTP)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL %q: want smtp://[user:password@]host[:port] or smtps://…", redactURL(c.SMTP))
	}
	e := &Email{host: u.Hostname(), ssl: u.Scheme == "smtps", policy: gomail.TLSMandatory, auth: gomail.SMTPAuthNoAuth, from: c.From}
	q := u.Query()
	switch q.Get("tls") {
	case "", "starttls":
	case "opportunistic":
		e.policy = gomail.TLSOpportunistic
	case "none":
		e.policy = gomail.NoTLS
	default:
		return nil, fmt.Errorf("SMTP URL %s: tls=%q: want starttls, opportunistic or none", redactURL(c.SMTP), q.Get("tls"))
	}
	if e.ssl && q.Get("tls") != "" {
		return nil, fmt.Errorf("SMTP URL %s: smtps:// is TLS already; tls= applies to smtp://", redactURL(c.SMTP))
	}
	switch {
	case u.Port() != "":
		p, err := strconv.Atoi(u.Port())
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("SMTP URL %s: bad port %q", redactURL(c.SMTP), u.Port())
		}
		e.port = p
	case e.ssl:
		e.port = 465
	case e.policy == gomail.NoTLS:
		e.port = 25
	default:
		e.port = 587
	}
	if u.User != nil && u.User.Username() != "" {
		e.user = u.User.Username()
		e.password, _ = u.User.Password()
		e.auth = gomail.SMTPAuthAutoDiscover
		if a := q.Get("auth"); a != "" {
			if err := e.auth.UnmarshalString(a); err != nil {
				return nil, fmt.Errorf("SMTP URL %s: auth=%q: %w", redactURL(c.SMTP), a, err)
			}
		}
	} else if q.Get("auth") != "" {
		return nil, fmt.Errorf("SMTP URL %s: auth= needs a user name", redactURL(c.SMTP))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return nil, fmt.Errorf("e-mail sender %q: %w", c.From, err)
	}
	if len(c.To) == 0 {
		return nil, errors.New("e-mail: no recipients")
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return nil, fmt.Errorf("e-mail recipient %q: %w", to, err)
		}
	}
	e.to = append([]string(nil), c.To...)
	e.tls = &tls.Config{ServerName: e.host, MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		e.tls = c.TLSConfig.Clone()
		if e.tls.ServerName == "" { // STARTTLS verifies the name it is given, and go-mail gives none
			e.tls.ServerName = e.host
		}
	}
	return e, nil
}

// Notify sends alerts as one e-mail.
func (e *Email) Notify(ctx context.Context, alerts []Alert) error {
	m, err := e.message(emailSubject(alerts), emailBody(alerts))
	if err != nil {
		return err
	}
	return e.send(ctx, m)
}

// message is a plain-text e-mail from the sender to the recipients.
func (e *Email) message(subject, body string) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(e.from); err != nil {
		return nil, fmt.Errorf("email: sender: %w", err)
	}
	if err := m.To(e.to...); err != nil {
		return nil, fmt.Errorf("email: recipients: %w", err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, body)
	return m, nil
}

// send delivers m through the relay, one connection.
func (e *Email) send(ctx context.Context, m *gomail.Msg) error {

	// go-mail bounds the dial with ctx and the whole conversation with its timeout: give it
	// what is left of ctx.
	timeout := DefaultTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(d), time.Millisecond)
	}
	// WithTLSPolicy, not WithTLSPortPolicy, which would move the port.
	opts := []gomail.Option{gomail.WithPort(e.port), gomail.WithTimeout(timeout), gomail.WithTLSConfig(e.tls),
		gomail.WithTLSPolicy(e.policy), gomail.WithSMTPAuth(e.auth)}
	if e.ssl {
		opts = append(opts, gomail.WithSSL())
	}
	if e.user != "" {
		opts = append(opts, gomail.WithUsername(e.user), gomail.WithPassword(e.password))
	}
	c, err := gomail.NewClient(e.host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("email via %s:%d: %w", e.host, e.port, err)
	}
	return nil
}

func emailSubject(alerts []Alert) string {
	shop := ""
	if len(alerts) > 0 && alerts[0].Shop != "" {
		shop = " · " + alerts[0].Shop
	}
	if len(alerts) == 1 {
		a := &alerts[0]
		return fmt.Sprintf("[知意%s%s] %s", emailState(a.State), shop, a.Name)
	}
	n := map[State]int{}
	for i := range alerts {
		n[alerts[i].State]++
	}
	subject := fmt.Sprintf("[知意告警%s] %d 条告警，%d 条恢复", shop, n[StateFiring], n[StateResolved])
	if n[StateStopped] > 0 {
		subject += fmt.Sprintf("，%d 条停止监测", n[StateStopped])
	}
	return subject
}

// emailState names a state in a subject and a body.
func emailState(s State) string {
	switch s {
	case StateResolved:
		return "恢复"
	case StateStopped:
		return "停止监测"
	}
	return "告警"
}

func emailBody(alerts []Alert) string {
	var b strings.Builder
	for i := range alerts {
		a := &alerts[i]
		fmt.Fprintf(&b, "【%s】%s\n%s\n规则 %s · 级别 %s · %s\n\n", emailState(a.State), a.Name, a.Summary, a.Rule, a.Severity,
			a.At.In(period.CST).Format("2006-01-02 15:04:05 MST"))
	}
	b.WriteString("—— 知意 (zhiyi) 告警\n")
	return b.String()
}
