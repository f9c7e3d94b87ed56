// Package lintcore is package lint's checks of texts and knowledge bases, apart from rules
// files: the advertising-law lexicon (Text), the knowledge base's answers (KB, KBFile) and the
// per-answer check lint's rules-file linting shares (Source.Answer).
//
// It is a package of its own so that package train can refuse a knowledge base with findings
// without importing package rules, whose tests train bundles (train → lint → rules would be an
// import cycle in them). Use package lint everywhere else: its doc.go describes the checks,
// the accepted uses and the waivers; its names are aliases of these.
package lintcore
