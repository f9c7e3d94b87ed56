package alert

import (
	"flag"
	"os"
	"slices"
	"strings"
)

// Flags are alerting's command-line settings. RegisterFlags binds them, each defaulting to its
// environment variable (the flag wins):
//
//	--alerts FILE            ZHIYI_ALERTS            rules and targets (see File)
//	--alert-webhook URL      ZHIYI_ALERT_WEBHOOK     a generic JSON webhook target, named "webhook"
//	--alert-wecom URL        ZHIYI_ALERT_WECOM       a WeCom group robot target, named "wecom"
//	--alert-smtp URL         ZHIYI_ALERT_SMTP        an e-mail target, named "email" (see EmailConfig.SMTP)
//	--alert-email-from ADDR  ZHIYI_ALERT_EMAIL_FROM  its sender
//	--alert-email-to LIST    ZHIYI_ALERT_EMAIL_TO    its recipients, comma-separated
//
// A target flag without --alerts applies DefaultRules to that target; with --alerts, the flag's
// target joins the file's, and rules that name no targets go to all of them. Robot keys and
// SMTP passwords are better given through the environment than on a command line that ps shows.
type Flags struct {
	File      string
	Webhook   string
	WeCom     string
	SMTP      string
	EmailFrom string
	EmailTo   string
}

// RegisterFlags binds f to fs.
func (f *Flags) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&f.File, "alerts", os.Getenv("ZHIYI_ALERTS"), "alert rules and targets `file` (YAML); without it, target flags get the default rules (env ZHIYI_ALERTS)")
	fs.StringVar(&f.Webhook, "alert-webhook", os.Getenv("ZHIYI_ALERT_WEBHOOK"), "post alerts as JSON to this `URL` (env ZHIYI_ALERT_WEBHOOK)")
	fs.StringVar(&f.WeCom, "alert-wecom", os.Getenv("ZHIYI_ALERT_WECOM"), "post alerts to this WeCom group robot webhook `URL` (env ZHIYI_ALERT_WECOM)")
	fs.StringVar(&f.SMTP, "alert-smtp", os.Getenv("ZHIYI_ALERT_SMTP"), "e-mail alerts through this relay: smtp://[user:pass@]host[:port][?tls=starttls|opportunistic|none] or smtps://… (env ZHIYI_ALERT_SMTP)")
	fs.StringVar(&f.EmailFrom, "alert-email-from", os.Getenv("ZHIYI_ALERT_EMAIL_FROM"), "sender `address` of alert e-mail (env ZHIYI_ALERT_EMAIL_FROM)")
	fs.StringVar(&f.EmailTo, "alert-email-to", os.Getenv("ZHIYI_ALERT_EMAIL_TO"), "comma-separated recipient `addresses` of alert e-mail (env ZHIYI_ALERT_EMAIL_TO)")
}

// Enabled reports whether any alerting flag is set; without one, alerting is off.
func (f Flags) Enabled() bool {
	return f.File != "" || f.Webhook != "" || f.WeCom != "" || f.SMTP != "" || f.EmailFrom != "" || f.EmailTo != ""
}

// Config turns the flags into a Config: the file's rules (or DefaultRules) and the file's
// targets plus those of the flags. The caller adds Logger, Metrics, HTTPClient and Clock, then
// calls New. Every problem, in the file (with file:line) or in a flag (naming it), comes back
// in one *ConfigError.
func (f Flags) Config() (Config, error) {
	var cfg Config
	var ce ConfigError
	var broken []string // the file's targets that did not parse: rules naming them are not told "unknown"
	if f.File != "" {
		file, err := LoadFile(f.File)
		if err != nil {
			if fe, ok := err.(*ConfigError); ok {
				ce.Problems = append(ce.Problems, fe.Problems...)
			} else {
				ce.add("", 0, "--alerts: %v", err)
			}
		}
		if file != nil { // with problems too: the rules that parsed get their targets checked
			cfg.Rules, cfg.Targets, cfg.GroupWait, cfg.Shop = file.Rules, file.Targets, file.GroupWait, file.Shop
			broken = file.broken
		}
	}
	add := func(flagName string, t Target) {
		for _, have := range cfg.Targets {
			if have.Name == t.Name {
				ce.add(have.file, have.line, "--%s adds a target named %s, which %s already defines: rename the file's", flagName, t.Name, have.file)
				return
			}
		}
		if _, err := t.notifier(nil, nil, nil); err != nil {
			ce.add("", 0, "--%s: %v", flagName, err)
			return
		}
		cfg.Targets = append(cfg.Targets, t)
	}
	if f.Webhook != "" {
		add("alert-webhook", Target{Name: "webhook", Type: TypeWebhook, URL: f.Webhook})
	}
	if f.WeCom != "" {
		add("alert-wecom", Target{Name: "wecom", Type: TypeWeCom, URL: f.WeCom})
	}
	if f.SMTP != "" || f.EmailFrom != "" || f.EmailTo != "" {
		switch {
		case f.SMTP == "":
			ce.add("", 0, "--alert-email-from/--alert-email-to need --alert-smtp")
		case f.EmailFrom == "" || f.EmailTo == "":
			ce.add("", 0, "--alert-smtp needs --alert-email-from and --alert-email-to")
		default:
			var to []string
			for _, s := range strings.Split(f.EmailTo, ",") {
				if s = strings.TrimSpace(s); s != "" {
					to = append(to, s)
				}
			}
			add("alert-smtp", Target{Name: "email", Type: TypeEmail, Email: EmailConfig{SMTP: f.SMTP, From: f.EmailFrom, To: to}})
		}
	}
	if len(cfg.Targets) == 0 && len(ce.Problems) == 0 {
		ce.add(f.File, 0, "no targets: give --alert-webhook, --alert-wecom, --alert-smtp or targets in the --alerts file")
	}
	for _, r := range cfg.Rules {
		for _, name := range r.Targets {
			if !targetDefined(cfg.Targets, name) && !slices.Contains(broken, name) {
				ce.add(r.file, r.lineOf("targets"), "rule %s: unknown target %q (defined: %s)", shownID(r.ID), shownID(name), targetNames(cfg.Targets))
			}
		}
	}
	return cfg, ce.err()
}

func targetNames(ts []Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
