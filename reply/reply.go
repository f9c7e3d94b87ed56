package reply

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/sentiment"
	"github.com/zhiyi-ai/zhiyi/session"
)

// Engine is the loaded model a Replier decides with (*intent.Engine). Safe for concurrent use.
type Engine interface {
	Analyzer() *nlp.Analyzer
	ClassifyAnalyzed(ctx context.Context, req intent.Request, an nlp.Analysis) intent.Result
	Policy() intent.Policy
	KB() *index.KB
	Version() string
}

// Defaults for Config's zero fields.
const (
	DefaultStateTimeout  = 30 * time.Millisecond
	DefaultEscalateAfter = 2
	DefaultRepeatWindow  = 10 * time.Minute
	// DefaultRepeatSimilarity is Config.RepeatSimilarity's default.
	DefaultRepeatSimilarity = 0.3
)

// Config is what a Replier decides with. The zero value decides each message alone, without
// rules or sentiment.
type Config struct {
	// Sessions keeps conversations' state; nil decides every message alone.
	Sessions session.Store
	// Rules returns the operator's rules in force (rules.Live.Current); nil, or a nil set,
	// means none. A Set other than the last one returned is a reload: zhiyi_rule_hits_total's
	// series are rebuilt for it (see the package doc), so Rules returns the same Set until then.
	Rules func() *rules.Set
	// Experiments chooses an intent's answer among its variants (experiment.Live.Current); nil,
	// or a nil set, answers with the first answer.
	Experiments func() *experiment.Set
	// Sentiment tags the tone; nil tags nothing.
	Sentiment *sentiment.Analyzer
	// NoSentimentHandoff keeps urgent and strongly negative messages on their route (they are
	// still tagged).
	NoSentimentHandoff bool
	// MaxTurns is how many customer turns a conversation keeps (default session.DefaultMaxTurns).
	MaxTurns int
	// StateTimeout bounds each load and save of a conversation's state in a store that does
	// I/O (default 30 ms). The in-process store (session.Memory) never waits, so its calls get
	// no deadline: under fasthttp a deadline costs a timer and a goroutine per call.
	StateTimeout time.Duration
	// EscalateAfter is how many consecutive fallbacks hand a conversation off (default 2).
	EscalateAfter int
	// RepeatWindow is how soon after an automatic answer the same need counts as a repeat
	// (default 10 minutes), and RepeatSimilarity how alike the two messages must be (the Dice
	// coefficient of their character pairs, default 0.3): a follow-up on the same topic (那运费谁出
	// after 东西不要了怎么寄回去) is no repeat; the same question asked again is.
	RepeatWindow     time.Duration
	RepeatSimilarity float64
	// Now is the clock (default time.Now): a request without sent_at happens now.
	Now func() time.Time
	// Metrics receives the counters (nil: none). Log receives one line per state outage.
	Metrics *metrics.Set
	Log     *slog.Logger
	// Locks serialise each conversation's messages in this process (nil: the Replier's own).
	// Repliers over one session store share one: a reload builds a new Replier while the old one
	// still decides, and a conversation's messages on the two must wait for each other too.
	Locks *ConversationLocks
}

// Replier decides messages in their conversations. Build it with New; safe for concurrent use.
type Replier struct {
	cfg     Config
	buffers sync.Pool // *nlp.Buffers
	met     replyMetrics
	// inProcess is true when cfg.Sessions is session.Memory, whose calls need no deadline.
	inProcess bool
	// holder is cfg.Sessions when it can hold a conversation across replicas (Redis), else nil.
	holder session.Holder
	// hasher is cfg.Sessions's (session.HasherOf): a turn's msg_id and sender are hashed under
	// the key its store hashes conversations with, so that replicas sharing the store agree.
	hasher *session.Hasher
	// stateDown is true while the session store fails, so that an outage logs once.
	stateDown atomic.Bool
}

// New returns a Replier with cfg's zero fields set to the defaults.
func New(cfg Config) *Replier {
	if cfg.Locks == nil {
		cfg.Locks = new(ConversationLocks)
	}
	if cfg.MaxTurns <= 0 {
		cfg.MaxTurns = session.DefaultMaxTurns
	}
	if cfg.StateTimeout <= 0 {
		cfg.StateTimeout = DefaultStateTimeout
	}
	if cfg.EscalateAfter <= 0 {
		cfg.EscalateAfter = DefaultEscalateAfter
	}
	if cfg.RepeatWindow <= 0 {
		cfg.RepeatWindow = DefaultRepeatWindow
	}
	if cfg.RepeatSimilarity <= 0 {
		cfg.RepeatSimilarity = DefaultRepeatSimilarity
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	r := &Replier{cfg: cfg, met: newReplyMetrics(cfg.Metrics, cfg.Rules)}
	_, r.inProcess = cfg.Sessions.(*session.Memory)
	r.holder, _ = cfg.Sessions.(session.Holder)
	r.hasher = session.HasherOf(cfg.Sessions)
	r.buffers.New = func() any { return new(nlp.Buffers) }
	return r
}

// Decision is one message's decision, before it is sent.
type Decision struct {
	// Result is the decision to send (when Replay is empty).
	Result intent.Result
	// Replay is the response already sent for this msg_id: a retry gets the same bytes.
	Replay string
	// Retry marks a msg_id this conversation has seen: count it once.
	Retry bool

	key     string
	state   session.State
	stateOK bool // state was loaded (or is new): Commit may save it
	turn    session.Turn
	locks   *ConversationLocks
	held    *convLock // the conversation's lock, held from Decide to Commit or Release
	// hold is the conversation held across replicas (a session.Holder's), from Decide to Commit
	// or Release; holder releases it within holdTimeout.
	hold        session.Hold
	holder      session.Holder
	holdTimeout time.Duration
	// private marks a response that echoes personal data (a msg_id or a var holding some),
	// which the conversation store must not keep: a retry is decided again instead.
	private bool
	// typed is the message as the customer typed it (a split number's digits masked already),
	// for Text.
	typed string
}

// Release lets the conversation's next message be decided without saving this one: for a
// decision that is not sent. Commit releases too; a second call does nothing.
func (d *Decision) Release() {
	if d == nil {
		return
	}
	if d.hold.Held() {
		ctx, cancel := context.WithTimeout(context.Background(), d.holdTimeout)
		d.holder.Release(ctx, d.key, d.hold)
		cancel()
		d.hold = session.Hold{}
	}
	if d.held != nil {
		d.locks.unlock(d.key, d.held)
		d.held = nil
	}
}

// Decide decides req with eng in its conversation (see the package doc). It never fails: a
// message the model cannot place is handed off, and a state store that fails costs the message
// its context, nothing more.
func (r *Replier) Decide(ctx context.Context, eng Engine, req intent.Request) *Decision {
	now := r.cfg.Now()
	at := req.SentAt
	if at <= 0 {
		at = now.UnixMilli()
	}
	d := &Decision{key: conversationKey(req)}
	decided := false
	defer func() {
		if !decided {
			// a panic on the way (recovered by the server): the conversation's next message
			// must not wait for a Commit that never comes
			d.Release()
		}
	}()
	if d.key != "" && r.cfg.Sessions != nil {
		var ok bool
		waitFrom := time.Now()
		if d.held, ok = r.cfg.Locks.lock(ctx, d.key); ok {
			d.locks = r.cfg.Locks
			if r.holder != nil {
				d.state, d.stateOK = r.loadHeld(ctx, d, waitFrom)
			} else {
				d.state, d.stateOK = r.load(ctx, d.key)
			}
		} else {
			// ctx ended while another decision of this conversation was still held (its
			// Commit never came, or is slow): decided alone, as in a state store's outage
			r.met.lockWaits.Inc()
			r.cfg.Log.Warn("reply: the conversation stayed busy past the wait for it (its lock's limit or the request's deadline): decided without its context")
		}
	}
	var first *session.Turn // a retry's first decision, when its response was not kept
	msgID := r.hasher.MsgID(req.MsgID)
	var split nlp.MaskSet // what continueNumber masked, which the analysis of its text misses
	if d.stateOK {
		// the second half of a number split over two messages (split.go), before the retry
		// check, so that a retry of the second half is read as it was the first time
		if p := previousTurn(&d.state, msgID, r.groupSender(req)); p != nil && max(at-p.At, p.At-at) <= splitWindow.Milliseconds() {
			req.Text, split = continueNumber(p.Text, req.Text)
		}
	}
	if d.held != nil {
		if t := d.state.FindTurn(msgID); t != nil && r.sameMessage(eng, t, req.Text) {
			d.Retry = true
			r.met.retries.Inc()
			if t.Response != "" {
				d.Replay = t.Response
				d.Release() // nothing to save
				decided = true
				return d
			}
			first = t
		}
	}
	if d.stateOK && !d.Retry {
		req.ActiveIntent = d.state.ActiveIntent
	} else if d.Retry && len(d.state.Turns) > 1 {
		req.ActiveIntent = d.state.ActiveIntent // decided as the first time, as far as we can
	}

	buf := r.buffers.Get().(*nlp.Buffers)
	an := eng.Analyzer().AnalyzeWith(req.Text, buf)
	an.Masked |= split // the answer's "masked" names the number, as it would have whole
	var rule *rules.Rule
	var hits *ruleTable // the counters of the rules matched with
	if r.cfg.Rules != nil {
		if set := r.cfg.Rules(); set != nil {
			hits = r.met.ruleHits.of(set) // each message: the series follow a reload from its first
			rule = set.Match(&rules.Input{Text: an.Text, Terms: an.Terms, Channel: req.Channel, OpenKfID: req.OpenKfID,
				AgentID: req.AgentID, DeptIDs: req.DeptIDs, Tags: req.Tags, SenderID: req.SenderID, SentAt: at})
		}
	}
	res := eng.ClassifyAnalyzed(ctx, req, an)
	masked := an.Text
	// What was masked, as a 16-bit digest: masking makes every order number <ORDER>, and a
	// question about another order is another need, not one asked again (converse). Only the
	// digest is kept, never a value.
	var digest uint16
	if an.Masked != 0 {
		digest = nlp.MaskedDigest(req.Text)
	}
	var tone sentiment.Result
	if r.cfg.Sentiment != nil {
		// The tone is read from the text as typed, not from an.Text, whose repeats are
		// collapsed for the intent: 快点快点快点 is urgent where 快点 is not, and the sentiment
		// model and lexicon (急急急) were made on uncollapsed text.
		r.cfg.Sentiment.AnalyzeTo(&tone, an.Typed)
	}
	says := saysNeed
	switch {
	case eng.Analyzer().Acknowledges(an):
		says = saysThanks
	case an.Masked != 0 && eng.Analyzer().OnlyGivesData(an.Tokens):
		says = saysData
	}
	buf.Keep(an)
	r.buffers.Put(buf)

	if rule != nil {
		r.applyRule(&res, rule, eng, req.Vars)
	} else if says == saysData && res.Intent != req.ActiveIntent && res.Route == intent.RouteAuto {
		// 订单号<ORDER> answers what its conversation asked: with no topic the model guesses from
		// the data's name alone, and with another the guess differs from the conversation; its
		// confidence was calibrated on no such message (training leaves them out).
		res.Route, res.Reason = intent.RouteSuggest, intent.ReasonOnlyData
		if req.ActiveIntent != "" {
			res.Reason = intent.ReasonOnlyDataOffTopic
		}
	}
	if res.Answer != nil && (rule == nil || rule.Action.Kind == rules.ActIntent) {
		r.chooseVariant(d, &res, req)
	}
	if r.cfg.Sentiment != nil {
		r.applySentiment(&res, &tone, rule)
	}
	sender := r.groupSender(req)
	if d.stateOK && !d.Retry {
		r.converse(d, &res, eng.Policy(), at, masked, digest, sender, says)
	} else if first != nil {
		asFirstDecided(&res, first, &d.state)
	}
	if a := res.Answer; a != nil && res.Rule == "" && strings.Contains(a.Text, "{{") {
		r.fillAnswer(&res, eng.KB(), req.Vars)
	}
	if a := res.Answer; a != nil && strings.TrimSpace(a.Text) == "" {
		// An answer of placeholders alone ({{faq}}) that the gateway passed no vars for: there
		// is nothing to send, so a person answers.
		res.Answer = nil
		if res.Route == intent.RouteAuto || res.Route == intent.RouteSuggest {
			res.Route, res.Reason, res.Priority = intent.RouteHandoff, intent.ReasonEmptyAnswer, 3
		}
	}
	if !d.Retry {
		// A retry decided again (its response not kept) is the same message: its rule, tone
		// and escalation were counted the first time.
		if rule != nil {
			if c := hits.byID[rule.ID]; c != nil {
				c.Inc()
			}
		}
		if r.cfg.Sentiment != nil {
			r.met.sentiment[tone.Tag].Inc()
		}
		if c := res.Context; c != nil && c.Escalation != "" {
			r.met.escalations[c.Escalation].Inc()
		}
	}
	d.Result = res
	d.private = d.stateOK && echoesPersonalData(&req)
	d.typed = req.Text
	d.turn = session.Turn{MsgID: msgID, Text: masked, At: at, Intent: res.Intent,
		Confidence: res.Confidence, Route: string(res.Route), Sender: sender, Masked: digest}
	if res.Answer != nil {
		d.turn.AnswerID = res.Answer.ID
	}
	if res.Context != nil {
		d.turn.Repeat, d.turn.Escalation = res.Context.Repeat, res.Context.Escalation
	}
	decided = true
	return d
}

// sameMessage reports whether text is the message of turn t, as eng analyses it: WeCom re-sends
// a callback as it was, and a msg_id seen before with another text (or the same words about
// another order or phone) is a gateway reusing its ids, a counter started again, say. Replaying
// the first answer to it answered another question. Only a msg_id seen before pays for this.
func (r *Replier) sameMessage(eng Engine, t *session.Turn, text string) bool {
	buf := r.buffers.Get().(*nlp.Buffers)
	an := eng.Analyzer().AnalyzeWith(text, buf)
	same := an.Text == t.Text
	if same && an.Masked != 0 {
		same = nlp.MaskedDigest(text) == t.Masked || t.Masked == 0 // 0: kept before the digest was
	}
	buf.Keep(an)
	r.buffers.Put(buf)
	return same
}

// Text is the message as it may be logged: normalised and personal data masked, in the script
// the customer typed — a shop whose customers write 幾時送到 reads that in its log, sheets and
// console, not the 几时送到 the model reads. Where masking the typed text finds fewer pieces of
// personal data than the analysis did on the folded text, it is the analysis's text: never less masked.
func (d *Decision) Text() string {
	typed, _ := nlp.Mask(nlp.Normalize(d.typed))
	if typed != d.turn.Text && placeholders(typed) < placeholders(d.turn.Text) {
		return d.turn.Text
	}
	return typed
}

// placeholders counts the mask placeholders (<PHONE>) in s.
func placeholders(s string) int {
	n := 0
	for i := strings.IndexByte(s, '<'); i >= 0; i = strings.IndexByte(s, '<') {
		s = s[i:]
		if k := nlp.PlaceholderLen(s); k > 0 {
			n++
			s = s[k:]
		} else {
			s = s[1:]
		}
	}
	return n
}

// Commit remembers the decided turn in its conversation, with the response as sent (for a
// retry). It does nothing for a replay, a message without a conversation, or when the state
// could not be loaded (saving a partial state would overwrite the real one). Every decision
// Decide returns is committed or released: until then the conversation's next message waits.
func (r *Replier) Commit(ctx context.Context, d *Decision, response []byte) {
	if d == nil {
		return
	}
	defer d.Release()
	if d.key == "" || !d.stateOK || d.Retry || r.cfg.Sessions == nil {
		return
	}
	if !d.private {
		d.turn.Response = string(response)
	}
	d.state.Push(d.turn, r.cfg.MaxTurns)
	ctx, cancel := r.stateContext(ctx)
	defer cancel()
	var err error
	if d.hold.Held() {
		err = d.holder.SaveReleased(ctx, d.key, d.state, d.hold)
		d.hold = session.Hold{}
	} else {
		err = r.cfg.Sessions.Save(ctx, d.key, d.state)
	}
	if err != nil {
		if !errors.Is(err, session.ErrSaveRefused) {
			r.stateFailed(err)
		}
		// a refused save leaves the state as it was, and says so itself (once): this message
		// was answered with context, which stateFailed would deny and the next load reaffirm,
		// two log lines a message
		return
	}
	r.stateOK()
}

// conversationKey is channel + chat_id, else channel + sender_id (with open_kfid when there is
// one); "" when there is neither.
func conversationKey(req intent.Request) string {
	switch {
	case req.ChatID != "":
		return req.Channel + "\x00c\x00" + req.ChatID
	case req.SenderID != "" && req.OpenKfID != "":
		// A 微信客服 customer has a conversation with each of the shop's accounts (售前, 售后), as
		// WeCom keeps them and training groups the exports (open_kfid|external_userid).
		return req.Channel + "\x00k\x00" + req.OpenKfID + "\x00" + req.SenderID
	case req.SenderID != "":
		return req.Channel + "\x00s\x00" + req.SenderID
	}
	return ""
}

func (r *Replier) load(ctx context.Context, key string) (session.State, bool) {
	ctx, cancel := r.stateContext(ctx)
	defer cancel()
	st, err := r.cfg.Sessions.Load(ctx, key)
	if errors.Is(err, session.ErrCorrupt) {
		// The store counted it; the conversation starts again, and Commit's Save overwrites the
		// bad value. Not an outage.
		r.stateOK()
		return session.State{}, true
	}
	if err != nil {
		r.stateFailed(err)
		return session.State{}, false
	}
	r.stateOK()
	return st, true
}

// holdLease is how long a replica may hold a conversation from its load to its save: far more
// than a decision takes, and what a replica that died holding one costs its conversation (each
// of its messages meanwhile waits for it, then is decided without context).
const holdLease = 2 * time.Second

// loadHeld loads key's state held across replicas, waiting for another replica's decision of
// the conversation until the wait for it that began at waitFrom, before this process's lock,
// has lasted ConversationLocks.MaxWait (else four state timeouts), and for one state timeout at
// least: a message waits for its conversation that long in all, not once for each holder.
func (r *Replier) loadHeld(ctx context.Context, d *Decision, waitFrom time.Time) (session.State, bool) {
	h := r.holder
	wait := r.cfg.Locks.MaxWait
	if wait <= 0 {
		wait = 4 * r.cfg.StateTimeout
	}
	until := waitFrom.Add(wait)
	if least := time.Now().Add(r.cfg.StateTimeout); until.Before(least) {
		until = least
	}
	ctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()
	st, hold, err := h.LoadHeld(ctx, d.key, holdLease)
	d.hold, d.holder, d.holdTimeout = hold, h, r.cfg.StateTimeout
	switch {
	case errors.Is(err, session.ErrHeld):
		r.met.lockWaits.Inc()
		r.cfg.Log.Warn("reply: another replica held the conversation past the wait for it: decided without its context")
		return session.State{}, false
	case errors.Is(err, session.ErrCorrupt):
		r.stateOK() // counted by the store; the conversation starts again and the save overwrites it
		return session.State{}, true
	case err != nil:
		r.stateFailed(err)
		return session.State{}, false
	}
	r.stateOK()
	return st, true
}

// stateContext bounds a call to the session store by StateTimeout, unless the store is in
// process.
func (r *Replier) stateContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.inProcess {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, r.cfg.StateTimeout)
}

// stateFailed counts a load or save that failed and logs the first of an outage.
func (r *Replier) stateFailed(err error) {
	r.met.unavailable.Inc()
	if !r.stateDown.Swap(true) {
		r.cfg.Log.LogAttrs(context.Background(), slog.LevelWarn, "conversation state unavailable: answering without context",
			slog.String("error", err.Error()))
	}
}

func (r *Replier) stateOK() {
	// Load first: the common case reads a shared flag without writing its cache line.
	if r.stateDown.Load() && r.stateDown.Swap(false) {
		r.cfg.Log.LogAttrs(context.Background(), slog.LevelInfo, "conversation state available again")
	}
}

type replyMetrics struct {
	retries, repeats, unavailable *metrics.Counter
	lockWaits                     *metrics.Counter // decided alone: the conversation stayed busy
	escalations                   map[string]*metrics.Counter
	sentiment                     [3]*metrics.Counter
	ruleHits                      *ruleHits // zhiyi_rule_hits_total{rule}
}

// newReplyMetrics returns the counters on s; current is Config.Rules, whose rules get a series
// each.
func newReplyMetrics(s *metrics.Set, current func() *rules.Set) replyMetrics {
	if s == nil {
		s = metrics.NewSet() // counted, never exported
	}
	// GetOrCreate: every bundle loaded gets a Replier of its own, and they share the counters.
	m := replyMetrics{
		retries:     s.GetOrCreateCounter("zhiyi_retries_total"),
		repeats:     s.GetOrCreateCounter("zhiyi_repeats_total"),
		unavailable: s.GetOrCreateCounter("zhiyi_context_unavailable_total"),
		lockWaits:   s.GetOrCreateCounter("zhiyi_conversation_busy_total"),
		escalations: map[string]*metrics.Counter{},
		ruleHits:    newRuleHits(s, current),
	}
	for _, reason := range []string{escalateRepeat, escalateFallbacks, escalateSentiment} {
		m.escalations[reason] = s.GetOrCreateCounter(`zhiyi_escalations_total{reason="` + reason + `"}`)
	}
	for t := sentiment.Neutral; t <= sentiment.Urgent; t++ {
		m.sentiment[t] = s.GetOrCreateCounter(`zhiyi_sentiment_total{tag="` + t.String() + `"}`)
	}
	return m
}
