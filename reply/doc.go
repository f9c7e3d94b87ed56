// Package reply decides one customer message in its conversation: the operator's rules, the
// engine, the conversation's context, retries, repeats, escalation, sentiment and the answer's
// placeholders, turned into the response's route.
//
// A Replier is built once with a Config and is safe for concurrent use. For each message:
//
//	d := rp.Decide(ctx, engine, req)   // load the conversation, decide
//	defer d.Release()                  // for a panic or an early return; Commit releases too
//	body := []byte(d.Replay)
//	if d.Replay == "" {
//		body = d.Result.AppendJSON(buf)
//	}
//	send(body)
//	rp.Commit(ctx, d, body)            // remember the turn (and the bytes, for a retry)
//
// From Decide to Commit (or Decision.Release, for a decision not sent) the conversation is held,
// in this process and, when the session store is shared (a session.Holder: Redis), across
// replicas: its next message waits, since two at once would both build on the same old state
// and one turn would be lost. Only that conversation waits (each has a lock of its own), and no
// longer than its Decide's ctx (and ConversationLocks.MaxWait): then it is decided without its
// context, as when the session store is down (zhiyi_conversation_busy_total). A replica that
// dies holding a conversation holds it for 2 s at most. Commit soon after sending: a slow send
// holds the conversation, not the others; and a Decision committed over 2 s after its Decide
// has lost its hold across replicas, so another replica may have decided the conversation
// meanwhile, and the later of the two saves wins (one turn of context lost, as without a hold).
//
// # What it decides, in order
//
//  1. The conversation: its key is channel + chat_id (else channel + sender_id, with
//     open_kfid when there is one: a 微信客服 customer has a conversation with each account); its state comes
//     from the session store (within Config.StateTimeout when it does I/O). A store that fails or is slow leaves
//     the message without context — it is still answered, never with an error.
//  2. Retries: a msg_id the conversation has seen, with the same text (WeCom re-sends an
//     unanswered callback as it was; another text is a gateway reusing ids), gets the bytes
//     sent the first time (Decision.Replay), and is not a new turn.
//     When they were not kept (they echoed personal data, or were too long) it is decided again
//     and routed and escalated as the first time: a 重述 handed off stays handed off.
//  3. Rules (package rules) on the normalised, masked text and the canonical terms: a matching
//     rule answers, forces an intent, hands off with a priority, or keeps silent.
//  4. The engine, with the conversation's active intent as context (intent.Request.ActiveIntent).
//     A message that only gives personal data (订单号<ORDER>, 手机号 <PHONE>:
//     nlp.Analyzer.OnlyGivesData) answers what its conversation asked: it neither sets nor
//     changes the topic, and it is answered alone only as the topic's intent — with no topic,
//     or read as another need, it is at most suggested (reason "only gives personal data: …"),
//     for the model's guess from the data's name is calibrated on no such message (training
//     leaves them out).
//  5. Sentiment (package sentiment), read from the text as typed (normalised and masked, its
//     repeats not collapsed: 快点快点快点 is urgent): the tone goes into the response; an urgent
//     or strongly negative message is handed to a person (priority 1 urgent, 2 negative) unless
//     the config turns that off (context.escalation "sentiment").
//  6. Repeats (重述): the same need as the previous turn, answered automatically within
//     Config.RepeatWindow, means the answer did not help: the first repeat is only suggested,
//     the second handed off (both: context.escalation "repeat"). Thanks said again (好的谢谢,
//     then 谢谢亲: nlp.Analyzer.Acknowledges) asks for nothing and is no repeat, and nor is the
//     same question about another order, phone or e-mail address: the turns keep a 16-bit
//     digest of what masking took out (nlp.MaskedDigest, session.Turn.Masked), never a value,
//     and messages alike but for different masked values are different needs.
//  7. Fallbacks: Config.EscalateAfter consecutive turns out of scope or below the suggest
//     threshold hand the conversation off (context.escalation "fallbacks").
//  8. Placeholders in the answer ({{nickname|亲}}) from intent.Request.Vars.
//
// A message sent (intent.Request.SentAt) more than a second before the conversation's newest
// turn — a gateway's retry of one that failed, delivered after those that followed it — is
// decided in its conversation and remembered as a turn, but the conversation goes on from its
// newest turn: the late message is no repeat (the answer it would repeat came after it), keeps
// the topic as it was, and neither counts in nor ends a run of repeats or fallbacks.
//
// The response's context.escalation says why the message was routed more cautiously than the
// engine alone would have: "" (it was not), "sentiment", "repeat" or "fallbacks". When several
// apply, the later step's wins (a handoff for sentiment stays "sentiment" unless fallbacks hand
// it off as well). The same values label zhiyi_escalations_total and the decision log's
// escalation column.
//
// # Metrics
//
// With Config.Metrics: zhiyi_retries_total, zhiyi_repeats_total, zhiyi_escalations_total{reason},
// zhiyi_rule_hits_total{rule}, zhiyi_sentiment_total{tag}, zhiyi_context_unavailable_total (state
// not loaded or not saved in time), zhiyi_conversation_busy_total (decided alone: the
// conversation was still held when ctx ended).
//
// zhiyi_rule_hits_total has a series per enabled rule of Config.Rules' Set, labelled with its id,
// from New (at 0: a rule that never fires shows) and counting the messages the rule decided (a
// retry decided again once). At the first message after a reload the series follow the new
// Set: a rule added gets one, a rule dropped or disabled loses its own (unregistered from the
// metrics.Set, whichever Replier made it), so an operator editing rules for months adds no
// series. A rule id holds no personal data: package rules refuses one that masking would change.
package reply
