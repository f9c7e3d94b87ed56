package store

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Raw personal data, in the forms customers type it. None may survive in any stored row.
const (
	rawPhone     = "13812345678"
	rawIDNumber  = "11010519491231002X"
	rawBankCard  = "6222020200112233446" // passes the Luhn check
	rawEmail     = "zhang.san@example.com"
	wideIDNumber = "１１０１０５１９４９１２３１００２Ｘ" // full-width: the same number after Normalize
	rawAddress   = "文三路258号3幢1单元"
	rawName      = "李晓雨"
)

// leaks are the strings a scan looks for: each raw value, the digits of a dashed phone, and
// the lower-case ID (normalisation lower-cases the X).
var leaks = []string{rawPhone, rawIDNumber, strings.ToLower(rawIDNumber), rawBankCard, rawEmail,
	"138-1234-5678", "6222 0202 0011 2233 446", "110105194912310", rawAddress, "258号", rawName}

func pii(i int) string {
	return fmt.Sprintf("第%d次: 电话 %s, 138-1234-5678, 身份证 %s %s, 卡号 %s 或 6222 0202 0011 2233 446, 邮箱 %s, 寄到杭州市西湖区%s, 收件人%s",
		i, rawPhone, rawIDNumber, wideIDNumber, rawBankCard, rawEmail, rawAddress, rawName)
}

func piiDecision(i int) Decision {
	return Decision{
		MsgID: fmt.Sprintf("%s-%d", rawPhone, i), Time: time.Now().Add(-time.Minute), Channel: "wecom",
		SenderHash: rawPhone, ChatHash: rawIDNumber, Text: pii(i), Intent: "invoice", Confidence: 0.9,
		Route: RouteAuto, Reason: "客户留了 " + rawPhone, AnswerID: "invoice." + rawEmail, Rule: "rule-" + rawBankCard,
		Variant: rawPhone, Sentiment: "负面", ActiveIntent: "invoice", Escalation: "call " + rawPhone, Model: "m",
	}
}

// scan reads every column of every table and reports any value holding raw personal data.
func scan(t *testing.T, b backend) int {
	t.Helper()
	n := 0
	for table := range tables(t, b) {
		rows, err := b.raw.QueryContext(ctxT(t), "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				for _, leak := range leaks {
					if strings.Contains(s, leak) {
						t.Errorf("%s: %s.%s holds %q: %q", b.kind, table, cols[i], leak, s)
					}
				}
				n++
			}
		}
		rows.Close()
	}
	return n
}

// Decisions, feedback and labels full of raw phones, ID and bank card numbers and e-mail
// addresses, written directly, through the recorder and through its spool: not one survives
// in any column of any table, in either backend, nor in the spool file.
func TestNoPersonalDataStored(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.kind, func(t *testing.T) {
			db, err := Open(ctxT(t), b.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Directly.
			if _, err := db.AppendDecisions(ctxT(t), []Decision{piiDecision(0)}); err != nil {
				t.Fatal(err)
			}
			resolved := true
			if err := db.AddFeedback(ctxT(t), Feedback{ID: "fb-" + rawPhone, MsgID: piiDecision(0).MsgID, Rating: 1, Resolved: &resolved,
				CorrectIntent: "x" + rawPhone, Comment: pii(0), AgentID: rawEmail}); err != nil {
				t.Fatal(err)
			}
			if err := db.AddLabels(ctxT(t), []Label{
				{Key: rawPhone, Text: pii(1), Intent: "invoice", Source: "console", By: rawEmail},
				{Text: pii(2), Intent: "invoice", Source: "cluster", By: rawPhone},
			}); err != nil {
				t.Fatal(err)
			}
			// Through a recorder whose database is down: the spool.
			spoolDir := t.TempDir()
			down, err := Open(ctxT(t), Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			down.Close()
			// The spool masks with the same key as the database, as a restarted server would.
			down.hasher = db.hasher
			r, err := NewRecorder(down, RecorderConfig{DataDir: spoolDir, Logger: discard(), RetainEvery: -1})
			if err != nil {
				t.Fatal(err)
			}
			r.Record(piiDecision(1))
			r.Close()
			files, _ := filepath.Glob(filepath.Join(spoolDir, SpoolDirName, "*.jsonl"))
			if len(files) != 1 {
				t.Fatalf("spool files: %v", files)
			}
			data, _ := os.ReadFile(files[0])
			for _, leak := range leaks {
				if strings.Contains(string(data), leak) {
					t.Errorf("spool holds %q: %s", leak, data)
				}
			}
			// The spool replayed, and a live recorder.
			r2, err := NewRecorder(db, RecorderConfig{DataDir: spoolDir, Logger: discard(), RetainEvery: -1})
			if err != nil {
				t.Fatal(err)
			}
			r2.Record(piiDecision(2))
			if err := r2.Flush(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if err := r2.AddFeedback(ctxT(t), Feedback{MsgID: piiDecision(2).MsgID, Comment: pii(3), AgentID: rawPhone}); err != nil {
				t.Fatal(err)
			}
			r2.Close()
			if st := r2.Stats(); st.Replayed != 1 {
				t.Errorf("replayed %d, want 1", st.Replayed)
			}
			n := 0
			db.Decisions(ctxT(t), Query{}, func(*Decision) error { n++; return nil })
			if n != 3 {
				t.Fatalf("%d decisions, want 3", n)
			}
			if cells := scan(t, b); cells < 60 {
				t.Errorf("scanned only %d cells", cells)
			}
			// The masked text still says what the customer said.
			d, _ := db.Decision(ctxT(t), piiDecision(2).MsgID)
			if !strings.Contains(d.Text, "电话 <PHONE>") || !strings.Contains(d.Text, "<IDCARD> <IDCARD>") || !strings.Contains(d.Text, "<BANKCARD>") || !strings.Contains(d.Text, "<EMAIL>") {
				t.Errorf("masked text = %q", d.Text)
			}
		})
	}
}

// TestIDsEveryDatabaseTakes: ids PostgreSQL would refuse (a NUL byte, an id longer than an index
// entry may be) are stored as their hash on both backends, so one bad request cannot stall the
// log; their feedback still finds them, and the log goes on.
func TestIDsEveryDatabaseTakes(t *testing.T) {
	long := strings.Repeat("x", 9000)
	for _, b := range backends(t) {
		t.Run(b.kind, func(t *testing.T) {
			db, err := Open(ctxT(t), b.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ds := []Decision{
				{MsgID: "bad\x00id", Channel: "we\x00com", Text: "怎么退货", Intent: "return_goods", Route: RouteAuto},
				{MsgID: long, Text: "怎么退货", Intent: "return_goods", Route: RouteAuto},
				{MsgID: "ok-after", Text: "怎么退货", Intent: "return_goods", Route: RouteAuto},
			}
			if n, err := db.AppendDecisions(ctxT(t), ds); err != nil || n != 3 {
				t.Fatalf("AppendDecisions = %d, %v; want 3 stored", n, err)
			}
			for _, id := range []string{"bad\x00id", long} {
				if err := db.AddFeedback(ctxT(t), Feedback{MsgID: id, Rating: 1, AgentID: "a\x00b"}); err != nil {
					t.Errorf("feedback for %.12q…: %v", id, err)
				}
			}
		})
	}
}

func TestMaskID(t *testing.T) {
	hash := (&hasher{key: []byte("k")}).Hash
	id := NewID()
	for _, c := range []struct {
		in     string
		full   bool
		prefix string // of the stored id; "" means kept as it is
	}{
		{"wm6bPH_s7qMqAdk", false, ""},
		{id, false, ""}, // NewID's hex digits are no phone number
		{"13812345678", false, "pii:"},
		{"2102838273948937309_1785539051_external", false, ""}, // a WeCom archive's msgid: digits, no personal data
		{"M152604192032-001", false, ""},                       // a CRM's message id
		{"msg-13812345678-1", false, "pii:"},
		{"bad\x00id", false, "id:"},
		{"we\xffcom", false, "id:"}, // not UTF-8: PostgreSQL refuses it
		{strings.Repeat("a", MaxIDBytes+1), false, "id:"},
		{strings.Repeat("a", MaxIDBytes), false, ""},
		{"zhangsan at qq dot com", false, "pii:"},
		{"Zhangsan(AT)qq.com", false, "pii:"},
		{"chat-data-2026.11", false, ""}, // an "at" and a dot, no address: looked at, kept
		{"zhangsan at qq dot com", true, "pii:"},
		{"zhangsan[at]163[dot]com", true, "pii:"},
		{"zhangsan#qq.com", false, "pii:"}, // # written for @
		{"ticket#42", false, ""},
		{"agent-007", true, ""},
	} {
		mask := maskID
		if c.full {
			mask = maskIDFully
		}
		got := mask(hash, c.in)
		if c.prefix == "" && got != c.in || c.prefix != "" && !strings.HasPrefix(got, c.prefix) {
			t.Errorf("mask(%.20q, full %v) = %.40q, want prefix %q", c.in, c.full, got, c.prefix)
		}
		if again := mask(hash, got); again != got {
			t.Errorf("masking %.40q again gave %.40q", got, again)
		}
	}
}
