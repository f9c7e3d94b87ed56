// Package rules owns the operator's keyword rules (rules.yaml): conditions on a message's text
// or terms, limited to channels, accounts, agents, departments, customer tags or senders and to
// effective hours, each with an action that decides the message before the classifier does.
//
//	set, err := rules.Load("corpora/shop/rules.yaml", rules.Options{
//		Intents:  func(id string) bool { _, ok := kb.Intent(id); return ok },
//		Analyzer: engine.Analyzer(),
//	})
//	an := engine.Analyzer().Analyze(req.Text)
//	if r := set.Match(&rules.Input{Text: an.Text, Terms: an.Terms, Channel: req.Channel,
//		SenderID: req.SenderID, SentAt: req.SentAt}); r != nil {
//		// r.ID, r.Action.Kind: answer r.Action.Answer.Fill(vars), force r.Action.Intent,
//		// hand off with r.Action.Handoff, or stay silent
//	}
//
// A Set is compiled once and immutable: Match is safe for concurrent use, and a reload builds a
// new Set and swaps it in; a file that fails to load leaves the old Set serving. Live does that
// (an atomic.Pointer[Set]): live.Load(path, opt) on reload, live.Current().Match(in) per message.
//
// # The file
//
//	version: 1                      # required
//	tz: Asia/Shanghai               # default time zone of every rule's hours (this is the default)
//	holidays:                       # optional, shared by every rule with hours
//	  - {date: 2027-02-06..2027-02-12, name: 春节}         # off days (off: true is the default)
//	  - {date: 2027-02-14, off: false, name: 春节调休}      # a working day whatever its weekday
//	rules:
//	  - id: after_hours             # [A-Za-z0-9][A-Za-z0-9_.-]*, unique, no personal data
//	    comment: 客服在线 9:00–23:00  # optional note
//	    priority: 10                # optional, default 0; higher runs first, ties in file order
//	    enabled: true               # optional, default true; a disabled rule never matches
//	    match: {any: true}          # see Match
//	    scope: {channels: [kf]}     # optional, see Scope
//	    hours:                      # optional, see Hours
//	      times: ["09:00-23:00"]
//	      outside: true
//	    action:                     # see Action
//	      answer: 亲，客服每天 9:00–23:00 在线，上线后第一时间回复您～
//	    waive:                      # optional compliance-lint waivers for the answer (package lint)
//	      - {term: 第一, reason: …}
//
// Unknown fields are errors. Every problem in a file is reported, each as file:line: rule "id":
// problem, in line order: unknown fields, wrong types, bad ids and duplicates (an id holding a
// phone, ID card or bank card number, an e-mail or web address is refused: ids show unmasked in
// responses, logs and /metrics' zhiyi_rule_hits_total{rule}, and the error does not repeat it;
// one that reads as an order number loads with a warning, Set.Warnings, as campaign and product
// ids do: 618-0601-0618, sku12345678901; a date written yyyymmdd is no number), bad regexes and
// keywords that could never match (or, for a regex, would match everything),
// times, dates, weekdays and time zones, hours that could never apply (dates none of which
// falls on one of the weekdays given; with outside, a window open every day all day), senders
// that exclude_senders all excludes, empty conditions, unknown channels, an open_kfid that
// does not start with wk, a malformed placeholder, an action that is missing or mixed, an intent
// that Options.Intents does not know, a waiver without a reason. A rule that can never fire
// because an any: true rule ranked above it takes every message it could is a warning (see
// Match), not an error; so are hours whose dates have all passed (the rule will never apply
// again; with outside, it now always applies: delete it, or set enabled: false) and outside:
// true beside dates and times (see Hours).
//
// # Match
//
// A rule's conditions are keyword lists under text and under terms; the rule matches when any
// one keyword does (an OR). `any: true` instead matches every message (an after-hours reply);
// a rule with neither is refused, so a forgotten condition never answers everything.
//
// An enabled any: true rule ranked above another (see Order and speed) with no hours, or with
// the very same hours, and a scope that takes in the other's (each of its lists absent, or
// holding all of the other's; each sender it excludes one the other never takes) decides every
// message the other could: the other can never fire. Set.Warnings names it at its line, with
// the rule above and its line (zhiyi serve logs it, zhiyi lint prints it, the console shows
// it); the file still loads, since an any: true rule put on top to pause the bot for a holiday
// silences the rules below on purpose. Otherwise give the rule below a higher priority, or
// narrow or disable the one above. A rule above with text keywords does the same to a rule
// whose keywords are all text keywords, each holding one of the upper rule's contains keywords
// or being one of its exact ones (人工 above 转人工 and 人工客服): every message that holds
// 转人工 holds 人工. Only certain cases are reported: a rule above with hours that differ in any
// way (a wider window too), and a rule below with terms keywords or regexes, are not compared;
// nor are rules that share only some messages (投诉 above 投诉 or 12315).
//
//	match:
//	  text:                         # the analysed text (nlp.Analysis.Text: normalised, folded, masked, repeats collapsed)
//	    exact: [人工, 转人工]         # the whole message, spaces, punctuation and emoji at its ends ignored
//	    contains: [投诉, "12315"]     # a substring
//	    regex: ['退.{0,4}运费']       # RE2 (Go regexp), unanchored unless the pattern anchors it
//	  terms:                        # the analysis's terms after synonym and dialect rewrites (冇 is 没有)
//	    exact: [退货]                # the message's terms are exactly these
//	    contains: [退货, 运费险 理赔]   # a term appears, whole; space-separated terms: all of them, any order
//	    regex: ['^催']               # RE2 on the terms joined by single spaces
//
// Text keywords go through the steps that make the message's text (full-width to half-width,
// ASCII lower case, traditional script folded to simplified, repeats collapsed), so iPhone
// matches ＩＰＨＯＮＥ, 投訴 matches 投诉 and 急急急 matches 急急急急; a regex literal that
// analysed text never holds (upper-case ASCII, full-width forms, traditional script, 急急急) is
// refused rather than never matching. Text exact and contains keywords and the message are
// compared without the spaces input methods put between a Chinese character and a Chinese
// character, digit or letter, or between a letter and a digit: 双11 matches 双 11, iphone15
// matches iPhone 15, an exact 转人工 matches 转 人工. A space between two words or two numbers
// stays (apple watch is not applewatch), and regexes see the text with its spaces. The text is
// masked: a keyword may be a placeholder such as <PHONE> or <ORDER>, and a text keyword or regex
// that masking hides (a hotline number, an e-mail address, a piece of one such as @qq.com,
// 1[3-9]\d{9}) is refused with the placeholder to write. A regex that matches the empty string
// and a long message (退款|退货|, (退款)?, 退*) would match every message and is refused (write
// any: true); ^$ and ^.{0,4}$, an empty or short message, are allowed, as is an anchored pattern
// such as ^\d+$ (a menu reply "2") that also matches personal data. Terms keywords
// match whole terms: 退货 does not fire on a term 退货单. With Options.Analyzer, each terms
// keyword is analysed as a message is, so 东西不要了 becomes the canonical 退货 and matches every
// variant the synonyms list; without it, a keyword is split at spaces. A message's terms keep
// the spaces input methods insert: 双 11 优惠券 is the terms 双, 11 and 优惠券, which the terms
// keyword 双11 优惠券 (双十一 优惠券) does not match; a text keyword (双11优惠券) does.
//
// # Scope
//
// Each list limits the rule; an empty or missing list means any value. All given lists must hold
// (AND); within a list any entry does (OR). A message that lacks a field a list needs is out of
// scope.
//
//	scope:
//	  channels: [wecom, kf, mp]     # the request's channel
//	  open_kfids: [wkAbC123Dq7XmR2tLp9VsN4eKy]   # 微信客服 accounts
//	  agents: [zhangsan]            # the agent's userid
//	  departments: ["2", "7"]       # any of the agent's department ids (whole numbers, as WeCom gives them: "08" warns)
//	  tags: [VIP]                   # any of the customer's tags
//	  senders: [wmTest001]          # only these customers (internal test accounts)
//	  exclude_senders: [wmBoss]     # never these customers
//
// A list written once may be named again with YAML's anchors and aliases (senders: &team […],
// then exclude_senders: *team). A file whose aliases, expanded, add more than
// yamlnode.MaxAliasNodes (100,000) entries is refused at the alias that passes it: a few
// kilobytes of aliases to one long list would otherwise take gigabytes to load.
//
// # Hours
//
// Without hours a rule applies at all times. With hours, it applies while the window is open,
// or, with `outside: true`, while it is closed (after-hours replies). The time is the request's
// sent_at (unix ms), else Options.Now. All given parts must hold:
//
//	hours:
//	  tz: Asia/Shanghai             # IANA name; default the file's tz, else Asia/Shanghai
//	  weekdays: [mon-fri, sat]      # mon..sun or 周一..周日 / 星期一..星期日, ranges with - or 至
//	  times: ["09:00-12:00", "13:30-18:00", "22:00-02:00"]   # HH:MM-HH:MM, end exclusive, 24:00 allowed
//	  dates: [2026-11-01..2026-11-11, 2026-12-12]           # inclusive ranges or single days
//	  holidays: [{date: 2026-10-01..2026-10-07, name: 国庆}]  # added to the file's holidays
//	  outside: false
//
// A time range whose end is before its start crosses midnight, and the part after midnight
// belongs to the day it started: a window of fri 22:00-02:00 is open at 01:00 on Saturday, not
// at 01:00 on Friday (Thursday night's). Holidays: an off day (off: true, the default) closes the window all day, whatever
// the weekday (so an after-hours rule answers all day); a working day (off: false, 调休) opens
// it as if it were one of the weekdays. Dates limit the window to those days (a promotion); a
// window of dates without weekdays is open on each of them, holidays or not (春节 shipping
// notices run on the holidays themselves).
//
// With outside, a window of dates is closed all day on every other day, so the rule applies
// then too, at any hour: dates 2027-02-09..2027-02-11, times 10:00-18:00 and outside answer
// "closed" at noon all year. The closed hours of those days alone are times without outside,
// ["00:00-10:00", "18:00-24:00"]; the file loads either way, with a warning that spells them
// out. Times, dates and weekdays may be typed in full-width forms (９：００－２３：００,
// ２０２７－０２－０５): they read as their ASCII ones, as a message's text does.
//
// # Action
//
// Exactly one of:
//
//	action: {answer: "{{nickname|亲}}，双11 每满 300 减 50～"}   # answer (the classifier's intent is
//	                                                          # still reported, its answer not used)
//	action: {intent: human_agent}                             # treat the message as this intent
//	                                                          # (none: out of scope, to a person)
//	action: {handoff: urgent, answer: 已为您加急转接人工客服}     # hand off (urgent, high or normal;
//	                                                          # 1, 2, 3 on kb.yaml's priority scale),
//	                                                          # optionally telling the customer
//	action: {answer: 夜间请留言, handoff: never}              # answer, and never hand off: an
//	                                                          # urgent or strongly negative message
//	                                                          # hands a plain answer to a person
//	                                                          # (package reply); this one keeps it
//	action: {silent: true}                                    # send nothing, hand nothing off
//
// Answers may hold placeholders ({{nickname|亲}}, package tmpl), parsed when the file loads.
//
// # Order and speed
//
// Match returns the first rule, by priority then file order, whose conditions, scope and hours
// all hold; nil when none does. It never scans every rule: text exact keywords sit in a map,
// terms exact keywords in another, contains keywords (and each regex's longest required
// literal) in one Aho–Corasick automaton over the text and one over the terms; the few rules
// found are checked in order. Rules with any: true and regexes without a required literal are
// checked on every message (Stats.Always: keep them few).
package rules
