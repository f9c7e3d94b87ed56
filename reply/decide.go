package reply

import (
	"strings"
	"unicode"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/sentiment"
	"github.com/zhiyi-ai/zhiyi/session"
)

// The escalations a response's context may name.
const (
	escalateRepeat    = "repeat"    // asked again after an automatic answer
	escalateFallbacks = "fallbacks" // consecutive turns not understood
	escalateSentiment = "sentiment" // urgent or strongly negative
)

// applyRule turns a matching rule into the decision. The classifier's candidates stay for the
// record; the rule decides the route.
func (r *Replier) applyRule(res *intent.Result, rule *rules.Rule, eng Engine, vars map[string]string) {
	res.Rule = rule.ID
	res.Priority = 0 // the rule decides the route, and a handoff's priority with it
	act := rule.Action
	ruleAnswer := func() *intent.Answer {
		if act.Answer == nil {
			return nil
		}
		return &intent.Answer{ID: "rule:" + rule.ID, Text: act.Answer.Fill(vars)}
	}
	switch act.Kind {
	case rules.ActAnswer:
		res.Route, res.Reason, res.Answer = intent.RouteAuto, intent.ReasonRuleAnswers, ruleAnswer()
	case rules.ActIntent:
		res.Intent, res.Label, res.Category, res.Answer = act.Intent, "", "", nil
		res.Route, res.Reason = intent.RouteAuto, intent.ReasonRuleIntent
		if kb := eng.KB(); kb != nil {
			if it, ok := kb.Intent(act.Intent); ok {
				res.Label, res.Category = it.Label, it.Category
				if len(it.Answers) > 0 {
					a := it.Answers[0]
					res.Answer = &intent.Answer{ID: a.ID, Text: a.Template().Fill(vars)}
				}
				if it.Handoff {
					res.Route, res.Reason = intent.RouteHandoff, intent.ReasonRulePersonIntent
					res.Priority = it.Priority
				}
			}
		}
		if act.Intent == intent.NoneIntent {
			res.Route, res.Priority = intent.RouteHandoff, rules.HandoffNormal
		}
	case rules.ActHandoff:
		res.Route, res.Reason, res.Priority, res.Answer = intent.RouteHandoff, intent.ReasonRuleHandoff, act.Handoff, ruleAnswer()
	case rules.ActSilent:
		res.Route, res.Reason, res.Answer = intent.RouteSilent, intent.ReasonRuleSilent, nil
	}
}

// applySentiment tags the tone and hands an urgent or strongly negative message to a person.
func (r *Replier) applySentiment(res *intent.Result, tone *sentiment.Result, rule *rules.Rule) {
	s := &intent.Sentiment{Tag: tone.Tag.String(), Label: tone.Tag.Label(), Score: round4(float64(tone.Score)),
		Strong: tone.Strong, Reason: tone.Reason}
	for _, c := range tone.Cues {
		if !c.Negated {
			s.Cues = append(s.Cues, c.Text) // copies: the cue's text is the analysis's
		}
	}
	res.Sentiment = s
	// A rule's own handoff, silence or handoff: never decides; a rule's plain answer does not
	// (着火了 at night still reaches a person).
	if !tone.Strong || r.cfg.NoSentimentHandoff || res.Route == intent.RouteSilent ||
		rule != nil && (res.Route == intent.RouteHandoff || rule.Action.NoHandoff) {
		return
	}
	priority := 2
	reason := intent.ReasonNegative
	if tone.Tag == sentiment.Urgent {
		priority, reason = 1, intent.ReasonUrgent
	}
	if res.Route != intent.RouteHandoff || res.Priority == 0 || priority < res.Priority {
		res.Route, res.Reason, res.Priority = intent.RouteHandoff, reason, priority
		r.escalated(res, escalateSentiment)
	}
}

// saysOnly is what a message says when it asks for nothing itself.
type saysOnly uint8

const (
	saysNeed   saysOnly = iota // a need of its own (or anything else)
	saysThanks                 // only thanks or an acknowledgement (nlp.Analyzer.Acknowledges)
	saysData                   // only personal data, named (nlp.Analyzer.OnlyGivesData)
)

// converse decides what the conversation changes: repeats, fallbacks, the active intent, and
// the response's context. d.state is the state before this turn; masked is the message's
// nlp.MaskedDigest; says is whether it only thanks or only gives data (saysOnly).
func (r *Replier) converse(d *Decision, res *intent.Result, p intent.Policy, at int64, text string, masked uint16, sender string, says saysOnly) {
	st := &d.state
	ctxInfo := &intent.Conversation{Turn: st.TurnCount + 1}
	if res.Context != nil {
		ctxInfo.Escalation = res.Context.Escalation // sentiment's
	}
	res.Context = ctxInfo
	// A message sent before the conversation's newest turn (a gateway retrying one that failed
	// after those that followed it went through) is decided in context, but the conversation
	// goes on from its newest turn: the late message takes no topic from a newer one, repeats
	// no answer sent after it, and neither counts in nor ends a run of repeats or fallbacks.
	now := r.cfg.Now().UnixMilli()
	late := sentBefore(st, at, now)
	// In a group, repeats and fallbacks are each customer's own: another customer speaking
	// between two of one customer's messages makes them no longer "in a row".
	if prev := newestFrom(st, "", now); !late && prev != nil && sender != "" && prev.Sender != "" && prev.Sender != sender {
		st.Repeats, st.Fallbacks = 0, 0
	}
	// Repeats: the same need again, soon after it was answered automatically.
	// (The customer's previous turn was answered automatically, or was itself a repeat of such
	// an answer.) Any intent: one-off questions (运费多少, 几点下班) are the ones whose repeat says
	// most that the answer did not help, though they never become a conversation's topic. The
	// need is the same when the message is like the previous one, or when it would get the very
	// answer the customer's two previous turns got: 家里宽带断了, 重启了还是红灯, then 还是不行,
	// each "answered" with the same advice to restart the modem, are one need the answer did not
	// meet. (Once is a follow-up the answer may cover: 怎么退货, then 运费谁出; counting it cost
	// the shop's October six points of automatic answers that were right 152 times in 154.)
	// Thanks said again (好的谢谢, then 谢谢亲) asks for nothing: three of them handed the
	// customer to a person "asked a second time". Nor is the same question about another order
	// (phone, e-mail) a repeat: masking makes every order number <ORDER>, and three orders
	// asked after in a row were handed off "asked a second time"; the turns' digests of what
	// was masked tell them apart (otherValues).
	if last := newestFrom(st, sender, now); says != saysThanks && !late && last != nil && (last.Route == string(intent.RouteAuto) || last.Repeat) && last.Intent == res.Intent &&
		res.Rule == "" && at-last.At <= r.cfg.RepeatWindow.Milliseconds() && !otherValues(last.Masked, masked) &&
		(similarity(last.Text, text) >= r.cfg.RepeatSimilarity || res.Answer != nil && sentTwice(st, sender, res.Answer.ID, masked, at-r.cfg.RepeatWindow.Milliseconds())) {
		ctxInfo.Repeat = true
		st.Repeats++
		r.met.repeats.Inc()
		switch {
		case st.Repeats >= 2 && res.Route != intent.RouteHandoff:
			res.Route, res.Reason, res.Priority = intent.RouteHandoff, intent.ReasonAskedTwice, 2
			r.escalated(res, escalateRepeat)
		case res.Route == intent.RouteAuto:
			res.Route, res.Reason = intent.RouteSuggest, intent.ReasonAskedAgain
			r.escalated(res, escalateRepeat)
		}
	} else if !late {
		st.Repeats = 0
	}
	// Fallbacks: out of scope or below the suggest threshold, turn after turn.
	fallback := res.Rule == "" && p.Fallback(res.Intent, res.Confidence)
	if fallback {
		if !late {
			st.Fallbacks++
		}
		if st.Fallbacks >= r.cfg.EscalateAfter {
			// Out of scope is handed off already; the conversation's escalation says why a
			// person takes over from here.
			res.Route, res.Reason = intent.RouteHandoff, intent.ReasonFallbacks
			if res.Priority == 0 {
				res.Priority = 3
			}
			r.escalated(res, escalateFallbacks)
		}
	} else if !late {
		st.Fallbacks = 0
	}
	// The active intent: the last need understood well enough to be the topic. A message that
	// only gives data (订单号<ORDER>) answers what the conversation asked: the model's guess from
	// its words alone is no topic, and does not replace one.
	if !fallback && !late && says != saysData {
		st.ActiveIntent = p.NextActive(st.ActiveIntent, res.Intent, res.Confidence)
	}
	if res.Route == intent.RouteAuto && at > st.LastAnswerAt {
		st.LastAnswerAt = at
	}
	ctxInfo.ActiveIntent = st.ActiveIntent
}

// sentBefore reports whether a message sent at at is older than the newest turn st holds, by
// more than lateBy. Turns sent after now (the server's clock), by a gateway whose clock is
// wrong, do not count: they would hold the conversation until the clock caught up with them.
func sentBefore(st *session.State, at, now int64) bool {
	for i := range st.Turns {
		if t := st.Turns[i].At; t-at > lateBy && t-now <= lateBy {
			return true
		}
	}
	return false
}

// newestFrom is st.LastFrom(sender) that passes over late turns: a turn kept after one sent
// over lateBy later (and not after now, as sentBefore counts them) is a late message's, and the
// message after it goes on from the newest turn too, its repeat and its sender's run.
func newestFrom(st *session.State, sender string, now int64) *session.Turn {
	var newest *session.Turn
	for i := len(st.Turns) - 1; i >= 0; i-- {
		t := &st.Turns[i]
		if sender != "" && t.Sender != "" && t.Sender != sender {
			continue
		}
		if newest == nil || t.At-newest.At > lateBy && t.At-now <= lateBy {
			newest = t
		}
	}
	return newest
}

// lateBy is how much older than the newest turn a message must be to be late: WeCom's
// callbacks count seconds (so a message may seem older than one of the same second stamped by
// the server's clock), and replicas' clocks differ a little.
const lateBy = 1000

// asFirstDecided ends a retry decided again (its response was not kept: it held personal data
// or was too long) as its first decision ended where the conversation made it so: routed as
// then, a 重述 or fallback handoff or an answer held back for an agent, which the message
// alone would not give again, and escalated as then. An automatic route comes back only with
// the same intent and answer as then; a cautious one always does.
func asFirstDecided(res *intent.Result, first *session.Turn, st *session.State) {
	turn := st.TurnCount
	for i := len(st.Turns) - 1; i >= 0 && &st.Turns[i] != first; i-- {
		turn--
	}
	res.Context = &intent.Conversation{Turn: turn, ActiveIntent: st.ActiveIntent, Repeat: first.Repeat, Escalation: first.Escalation}
	route := intent.Route(first.Route)
	if route == "" || route == res.Route {
		return
	}
	if route == intent.RouteAuto && (first.Intent != res.Intent || res.Answer == nil || res.Answer.ID != first.AnswerID) {
		return // not the answer sent the first time (a gray one since, another variant): as decided now
	}
	res.Route, res.Reason = route, intent.ReasonRetry
	switch route {
	case intent.RouteHandoff:
		if res.Priority == 0 {
			res.Priority = 3
			if first.Escalation == escalateRepeat {
				res.Priority = 2
			}
		}
	case intent.RouteSilent:
		// nothing was sent the first time: no answer, and no handoff's priority
		res.Answer, res.Priority = nil, 0
	default:
		res.Priority = 0 // a priority ranks handoffs only: the route now is not one
	}
}

// sentTwice reports whether the sender's last two turns, both since the given time, each got
// answer (sent automatically, or held back as a repeat of it) for the same masked values as
// the message's (masked, its nlp.MaskedDigest): two orders asked after, then 还是不行, are not
// one need the answer failed twice.
func sentTwice(st *session.State, sender, answer string, masked uint16, since int64) bool {
	n := 0
	for i := len(st.Turns) - 1; i >= 0 && n < 2; i-- {
		t := &st.Turns[i]
		if sender != "" && t.Sender != "" && t.Sender != sender {
			continue
		}
		if t.At < since || t.AnswerID != answer || t.Route != string(intent.RouteAuto) && !t.Repeat || otherValues(t.Masked, masked) {
			return false
		}
		if masked == 0 {
			masked = t.Masked
		}
		n++
	}
	return n == 2
}

// otherValues reports whether two messages' digests of their masked values (nlp.MaskedDigest)
// say they name different orders, phones or e-mail addresses. A message without any (0), or a
// turn stored before the digest was kept, differs from none: 我的快递到哪了 then 订单…到哪了
// may be the same need, and is judged by its words as before.
func otherValues(a, b uint16) bool { return a != 0 && b != 0 && a != b }

// escalated records why a message was escalated in its context; a later reason replaces an
// earlier one, and Decide counts the last (one message, one escalation).
func (r *Replier) escalated(res *intent.Result, reason string) {
	if res.Context == nil {
		res.Context = &intent.Conversation{}
	}
	res.Context.Escalation = reason
}

// fillAnswer fills the placeholders of a knowledge-base answer from the request's vars.
func (r *Replier) fillAnswer(res *intent.Result, kb *index.KB, vars map[string]string) {
	if kb == nil {
		return
	}
	it, ok := kb.Intent(res.Intent)
	if !ok {
		return
	}
	for i := range it.Answers {
		if a := &it.Answers[i]; a.ID == res.Answer.ID {
			res.Answer = &intent.Answer{ID: a.ID, Text: a.Template().Fill(vars)}
			return
		}
	}
}

func round4(x float64) float64 {
	return float64(int64(x*1e4+0.5)) / 1e4
}

// chooseVariant answers with the variant the customer is assigned to when the intent is an A/B
// experiment (sticky for the conversation), and only suggests a variant still in its gray
// release.
func (r *Replier) chooseVariant(d *Decision, res *intent.Result, req intent.Request) {
	if r.cfg.Experiments == nil {
		return
	}
	set := r.cfg.Experiments()
	if set == nil {
		return
	}
	key := variantKey(res.Intent, r.hasher.Sender(req.SenderID))
	a := set.AssignSticky(res.Intent, req.SenderID, d.state.Experiments[key])
	if a.Answer == nil {
		return
	}
	if a.Answer.ID != res.Answer.ID || strings.Contains(a.Answer.Text, "{{") {
		res.Answer = &intent.Answer{ID: a.Answer.ID, Text: a.Answer.Template().Fill(req.Vars)}
	}
	res.Experiment, res.Variant = a.Experiment, a.Variant
	if a.Gray && res.Route == intent.RouteAuto {
		res.Route, res.Reason = intent.RouteSuggest, intent.ReasonGray
	}
	if a.Variant != "" && d.stateOK {
		if d.state.Experiments == nil {
			d.state.Experiments = map[string]string{}
		}
		d.state.Experiments[key] = a.Variant
		if len(d.state.Experiments) > maxStickyVariants {
			pruneVariants(d.state.Experiments, &d.state, key)
		}
	}
}

// maxStickyVariants bounds the variants a conversation remembers. In a group chat every customer
// keeps one per experiment: a busy group, never idle long enough to expire, grew its state (and
// every message's load and save of it) without limit.
const maxStickyVariants = 32

// pruneVariants keeps, of the remembered variants (variantKey's), those of the customers who
// spoke in the turns the state holds and of the customer of key, the one just given. A customer
// forgotten this way is assigned again from the hash, which gives the same variant unless the
// weights changed meanwhile.
func pruneVariants(vars map[string]string, st *session.State, key string) {
	recent := map[string]bool{keySender(key): true}
	for _, t := range st.Turns {
		if t.Sender != "" {
			recent[t.Sender] = true
		}
	}
	for k := range vars {
		if !recent[keySender(k)] {
			delete(vars, k)
		}
	}
}

// keySender is the customer's hash in a variantKey (an intent id may hold a slash itself).
func keySender(key string) string { return key[strings.LastIndexByte(key, '/')+1:] }

// variantKey is where a conversation remembers the variant a customer was given for an intent:
// by customer too, since a group chat is one conversation of many customers, and each keeps
// the variant the assignment gives them. sender is the customer's hash (session.Hasher's
// Sender, keyed like the store's conversations): the state holds no raw id.
func variantKey(intentID, sender string) string {
	return intentID + "/" + sender
}

// groupSender is the sender as a group conversation's turns record it (Turn.Sender: hashed as
// the store hashes), "" when the conversation is one customer's (keyed by sender, or no sender
// given).
func (r *Replier) groupSender(req intent.Request) string {
	if req.ChatID == "" || req.SenderID == "" {
		return ""
	}
	return r.hasher.Sender(req.SenderID)
}

// similarity is the Dice coefficient of two texts' character pairs (letters, digits and Chinese
// characters; spaces and punctuation skipped): 1 for the same words, 0 for nothing in common.
func similarity(a, b string) float64 {
	pa, pb := pairs(a), pairs(b)
	if len(pa) == 0 || len(pb) == 0 {
		return 0
	}
	shared, na, nb := 0, 0, 0
	for p, n := range pa {
		shared += min(n, pb[p])
		na += n
	}
	for _, n := range pb {
		nb += n
	}
	return 2 * float64(shared) / float64(na+nb)
}

// pairs counts a text's consecutive character pairs (a lone character counts as a pair with
// itself).
func pairs(s string) map[[2]rune]int {
	var rs []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := map[[2]rune]int{}
	if len(rs) == 1 {
		out[[2]rune{rs[0], rs[0]}]++
	}
	for i := 1; i < len(rs); i++ {
		out[[2]rune{rs[i-1], rs[i]}]++
	}
	return out
}
