package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/lint"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// checkParts refuses a reloaded bundle the rules or the experiments file do not fit, before it
// serves: a rule naming an intent its knowledge base lacks would answer automatically with no
// answer, and an experiments file naming an experiment or answer it lacks (an intent or answer
// renamed or deleted by a retrain) keeps zhiyi from starting with that bundle — a reload that
// let it serve left a server that the next restart could not bring back, and a stopped
// variant whose id changed was served again. A file that does not fit the serving bundle either
// (a typo, a half-done edit, a file gone) refuses nothing: the reload goes on and what was
// loaded before stays (the hook says so), so an operator half-way through an edit can still
// reload or roll back a model.
func (w *wiring) checkParts(_ context.Context, candidate serve.Engine) error {
	m, ok := candidate.(*reply.Model)
	if !ok {
		return nil
	}
	var errs []error
	// An agency's models directory holds every shop's bundles, and --models-root lets a reload
	// (the console's 模型, /admin/reload, a rollback) load any: this process's decision log and
	// Redis prefix are its shop's, so a bundle of another shop would answer its customers with
	// another shop's answers, recorded as this shop's.
	if kb := m.Engine.KB(); w.shop != "" && kb != nil && kb.Shop != w.shop {
		errs = append(errs, fmt.Errorf("the bundle is the shop %q's (its kb.yaml's shop:) and this zhiyi serves %q, whose decision log and conversations it keeps: serve it with a zhiyi of its own (a shop renamed restarts with the new name)", kb.Shop, w.shop))
	}
	if w.rules != nil {
		if _, err := lint.LoadRules(w.sf.rules, w.rulesOptions(m.Engine)); err != nil {
			cur := w.serving()
			if cur == nil {
				errs = append(errs, err)
			} else if _, errCur := lint.LoadRules(w.sf.rules, w.rulesOptions(cur.Engine)); errCur == nil {
				errs = append(errs, err)
			}
		}
	}
	if err := w.checkExperiments(m.Engine.KB()); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// checkExperiments returns why the experiments file does not fit kb while it fits the serving
// bundle's knowledge base; nil when it fits kb, when it fits neither (the hook reports the file)
// or when there is no file.
func (w *wiring) checkExperiments(kb *index.KB) error {
	if w.sf.experiments == "" || kb == nil {
		return nil
	}
	ov, err := experiment.LoadOverrides(w.sf.experiments)
	if err != nil {
		return nil // no file, or one that does not load whatever the bundle: the hook says which
	}
	_, err = experiment.New(experiment.Config{KB: kb, Overrides: ov})
	if err == nil {
		return nil
	}
	if cur := w.serving(); cur != nil {
		if _, errCur := experiment.New(experiment.Config{KB: cur.KB(), Overrides: ov}); errCur != nil {
			return nil
		}
	}
	return err
}

// loadRules makes the rules file current when it loads and its answers have no lint findings
// (lint.LoadRules), as zhiyi train refuses a knowledge base with findings: a rule's answer goes
// to customers as written. Otherwise the rules before it keep serving.
func (w *wiring) loadRules(opt rules.Options) error {
	set, err := lint.LoadRules(w.sf.rules, opt)
	if err != nil {
		return err
	}
	w.rules.Store(set)
	return nil
}

// warnKB logs the lint findings of the knowledge base of the bundle in dir, at every load. Train
// refused them when it made the bundle, but a newer zhiyi finds more (its lexicon grows: 治疗,
// 抗癌, 原价999), and the bundle's answers go to customers as they are until it is retrained;
// the log and the console's 规则与答案 say which.
func (w *wiring) warnKB(dir, model string) {
	fs, err := lint.KBFile(filepath.Join(dir, intent.KBFile))
	if err != nil {
		return // intent.Load read it: nothing to add
	}
	for _, f := range fs {
		w.log.Warn("model: an answer has a lint finding; reword or waive it in kb.yaml and retrain",
			slog.String("model", model), slog.String("finding", f.String()))
	}
}
