package alert

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/jonboulle/clockwork"
)

// smtpServer is a real SMTP server on loopback (github.com/emersion/go-smtp) that keeps the
// messages it accepts. With user set it requires AUTH PLAIN, which it offers only after STARTTLS.
type smtpServer struct {
	addr   string
	user   string
	pass   string
	roots  *x509.CertPool // trusts the server's certificate when it has one
	mu     sync.Mutex
	msgs   []smtpMessage
	gotMsg chan smtpMessage
}

type smtpMessage struct {
	from     string
	to       []string
	data     []byte
	authUser string
	tls      bool
}

func startSMTP(t *testing.T, withTLS bool, user, pass string) *smtpServer {
	t.Helper()
	s := &smtpServer{user: user, pass: pass, gotMsg: make(chan smtpMessage, 10)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = guard, guard
	if withTLS {
		cert, roots := selfSigned(t)
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.roots = roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) next(t *testing.T) smtpMessage {
	t.Helper()
	select {
	case m := <-s.gotMsg:
		return m
	case <-time.After(guard):
		t.Fatal("the SMTP server received no message")
	}
	return smtpMessage{}
}

type smtpSession struct {
	s      *smtpServer
	c      *smtp.Conn
	msg    smtpMessage
	authed string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return errors.New("bad credentials")
		}
		ss.authed = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.authed == "" {
		return smtp.ErrAuthRequired
	}
	ss.msg.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.to = append(ss.msg.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.msg
	m.data, m.authUser = b, ss.authed
	_, m.tls = ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	ss.s.gotMsg <- m
	return nil
}

func (ss *smtpSession) Reset()        { ss.msg = smtpMessage{} }
func (ss *smtpSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zhiyi test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// decodeMail returns the decoded subject and body of a message.
func decodeMail(t *testing.T, data []byte) (subject, body string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return subject, string(b)
}

func TestEmailPlainRelay(t *testing.T) {
	s := startSMTP(t, false, "", "")
	e, err := NewEmail(EmailConfig{SMTP: "smtp://" + s.addr + "?tls=none", From: "zhiyi@example.com", To: []string{"ops@example.com", "lead@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Notify(t.Context(), []Alert{firing("unrecognised", "10分钟内有 20 条消息未识别（阈值 20 条）")}); err != nil {
		t.Fatal(err)
	}
	m := s.next(t)
	if m.from != "zhiyi@example.com" || len(m.to) != 2 || m.to[1] != "lead@example.com" || m.tls || m.authUser != "" {
		t.Fatalf("envelope %+v", m)
	}
	subject, body := decodeMail(t, m.data)
	if subject != "[知意告警] 未识别消息过多" {
		t.Errorf("subject %q", subject)
	}
	if !strings.Contains(body, "10分钟内有 20 条消息未识别（阈值 20 条）") || !strings.Contains(body, "2026-03-02 22:00:00 CST") {
		t.Errorf("body:\n%s", body)
	}
}

func TestEmailStartTLSWithAuth(t *testing.T) {
	s := startSMTP(t, true, "alert", "s3cret")
	cfg := EmailConfig{SMTP: "smtp://alert:s3cret@" + s.addr, From: "zhiyi@example.com", To: []string{"ops@example.com"},
		TLSConfig: &tls.Config{RootCAs: s.roots}}
	e, err := NewEmail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := firing("unrecognised", "")
	r.State = StateResolved
	if err := e.Notify(t.Context(), []Alert{firing("unrecognised", "s1"), r}); err != nil {
		t.Fatal(err)
	}
	m := s.next(t)
	if !m.tls || m.authUser != "alert" {
		t.Fatalf("want a STARTTLS session authenticated as alert: %+v", m)
	}
	if subject, _ := decodeMail(t, m.data); subject != "[知意告警] 1 条告警，1 条恢复" {
		t.Errorf("subject %q", subject)
	}

	// Wrong password: refused.
	cfg.SMTP = "smtp://alert:wrong@" + s.addr
	e, _ = NewEmail(cfg)
	if err := e.Notify(t.Context(), []Alert{firing("u", "s")}); err == nil {
		t.Error("a wrong password delivered")
	}
	// A certificate the client does not trust: refused.
	e, _ = NewEmail(EmailConfig{SMTP: "smtp://alert:s3cret@" + s.addr, From: "zhiyi@example.com", To: []string{"ops@example.com"}})
	if err := e.Notify(t.Context(), []Alert{firing("u", "s")}); err == nil {
		t.Error("an untrusted certificate delivered")
	}
}

func TestEmailStartTLSRequiredByDefault(t *testing.T) {
	s := startSMTP(t, false, "", "")
	e, err := NewEmail(EmailConfig{SMTP: "smtp://" + s.addr, From: "zhiyi@example.com", To: []string{"ops@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Notify(t.Context(), []Alert{firing("u", "s")})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("a server without STARTTLS: %v", err)
	}
	e, _ = NewEmail(EmailConfig{SMTP: "smtp://" + s.addr + "?tls=opportunistic", From: "zhiyi@example.com", To: []string{"ops@example.com"}})
	if err := e.Notify(t.Context(), []Alert{firing("u", "s")}); err != nil {
		t.Fatalf("tls=opportunistic against a plain server: %v", err)
	}
}

func TestNewEmailChecks(t *testing.T) {
	ok := EmailConfig{SMTP: "smtp://h", From: "z@example.com", To: []string{"a@example.com"}}
	e, err := NewEmail(ok)
	if err != nil || e.port != 587 || e.ssl {
		t.Fatalf("defaults: %+v %v", e, err)
	}
	if e, _ := NewEmail(EmailConfig{SMTP: "smtps://h", From: ok.From, To: ok.To}); e.port != 465 || !e.ssl {
		t.Errorf("smtps: %+v", e)
	}
	if e, _ := NewEmail(EmailConfig{SMTP: "smtp://h?tls=none", From: ok.From, To: ok.To}); e.port != 25 {
		t.Errorf("tls=none: port %d", e.port)
	}
	for _, c := range []struct {
		cfg  EmailConfig
		want string
	}{
		{EmailConfig{SMTP: "http://h", From: ok.From, To: ok.To}, "want smtp://"},
		{EmailConfig{SMTP: "smtp://h?tls=maybe", From: ok.From, To: ok.To}, "tls="},
		{EmailConfig{SMTP: "smtps://h?tls=none", From: ok.From, To: ok.To}, "smtps:// is TLS already"},
		{EmailConfig{SMTP: "smtp://h:99999", From: ok.From, To: ok.To}, "bad port"},
		{EmailConfig{SMTP: "smtp://u:p@h?auth=magic", From: ok.From, To: ok.To}, "auth="},
		{EmailConfig{SMTP: "smtp://h?auth=plain", From: ok.From, To: ok.To}, "needs a user name"},
		{EmailConfig{SMTP: "smtp://h", From: "nobody", To: ok.To}, "sender"},
		{EmailConfig{SMTP: "smtp://h", From: ok.From}, "no recipients"},
		{EmailConfig{SMTP: "smtp://h", From: ok.From, To: []string{"x"}}, "recipient"},
	} {
		if _, err := NewEmail(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewEmail(%+v) = %v, want %q", c.cfg, err, c.want)
		}
	}
	if _, err := NewEmail(EmailConfig{SMTP: "smtp://u:SECRET@h:bad", From: ok.From, To: ok.To}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a bad URL's password shows: %v", err)
	}
}

// The end-to-end check: the 20th unrecognised message reaches a local SMTP server.
func TestEmailThroughTheAlerter(t *testing.T) {
	s := startSMTP(t, true, "alert", "s3cret")
	clock := clockwork.NewFakeClockAt(t0)
	a := newTestAlerterOn(t, clock, Config{GroupWait: -1, Targets: []Target{{Name: "mail", Type: TypeEmail,
		Email: EmailConfig{SMTP: "smtp://alert:s3cret@" + s.addr, From: "zhiyi@example.com", To: []string{"ops@example.com"},
			TLSConfig: &tls.Config{RootCAs: s.roots}}}}})
	for range 20 {
		a.Observe(unrecognised())
	}
	flush(t, a)
	subject, body := decodeMail(t, s.next(t).data)
	if subject != "[知意告警] 未识别消息过多" || !strings.Contains(body, "10分钟内有 20 条消息未识别") {
		t.Fatalf("subject %q body:\n%s", subject, body)
	}
	eventually(t, "delivered_total{mail} = 1", func() bool {
		return counter(a, `zhiyi_alert_delivered_total{target="mail",type="email"}`) == 1
	})
}

// A stop at shutdown is named as such in a subject, alone or among others, and in the body.
func TestEmailWordsAStop(t *testing.T) {
	stopped := Alert{Rule: "unrecognised", Name: "未识别消息过多", State: StateStopped}
	if got := emailSubject([]Alert{stopped}); got != "[知意停止监测] 未识别消息过多" {
		t.Errorf("one: %q", got)
	}
	firing := Alert{Rule: "handoff", Name: "转人工过多", State: StateFiring}
	if got := emailSubject([]Alert{firing, stopped}); got != "[知意告警] 1 条告警，0 条恢复，1 条停止监测" {
		t.Errorf("two: %q", got)
	}
	if body := emailBody([]Alert{stopped}); !strings.HasPrefix(body, "【停止监测】未识别消息过多") {
		t.Errorf("body %q", body)
	}
	if tag := weComTag(&stopped); tag != `<font color="comment">【停止监测】</font>` {
		t.Errorf("WeCom tag %q", tag)
	}
}

// The subject names the shop (Config.Shop): one mailbox gets the alerts of several shops.
func TestEmailSubjectNamesTheShop(t *testing.T) {
	one := []Alert{{Name: "未识别消息过多", State: StateFiring, Shop: "速联宽带"}}
	if s := emailSubject(one); s != "[知意告警 · 速联宽带] 未识别消息过多" {
		t.Errorf("subject %q", s)
	}
	two := append(one, Alert{Name: "转人工过多", State: StateResolved, Shop: "速联宽带"})
	if s := emailSubject(two); !strings.HasPrefix(s, "[知意告警 · 速联宽带] 1 条告警，1 条恢复") {
		t.Errorf("subject %q", s)
	}
	if s := emailSubject([]Alert{{Name: "未识别消息过多", State: StateFiring}}); s != "[知意告警] 未识别消息过多" {
		t.Errorf("subject without a shop %q", s)
	}
}
