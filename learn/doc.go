// Package learn closes the loop: it gathers what people corrected — agents' correct_intent in
// feedback and labels given by cluster or in the console, from the decision log (package store)
// — has package train continue the serving bundle on them behind its evaluation gate
// (train.Learn), and keeps the promoted bundles as versions beside each other so a rollback is
// a reload of the parent.
//
//	fixes, err := learn.Corrections(ctx, db, since)      // from the store, masked
//	res, err := learn.Promote(ctx, "models/shop", fixes, train.LearnConfig{})
//	// res.Promoted: res.Bundle is models/shop-learnt-20261203T101500Z, to reload
//	parent, err := learn.Parent("models/shop-learnt-20261203T101500Z")   // for a rollback
//	removed, err := learn.Prune(res.Bundle, learn.DefaultKeep, servingDir) // the oldest beyond 20
//
// A promotion reserves its directory's name first (an empty directory, locked while it learns);
// one killed before it committed leaves that empty directory, and the next promotion of the
// bundle removes it (CleanReservations: empty, unlocked, a minute old, named exactly as
// Promote names them). Its version is kept distinct from every bundle beside it
// (intent.CommitVersion).
//
// Prune keeps the versions from filling the disk: the newest learnt bundles of a line, the one
// serving with as many of its parents, and any bundle a process has loaded (intent.Load holds a
// shared lock on its directory) stay; bundles trained from exports are never removed.
//
// It never learns from the model's own answers: only from a person's correction or label.
package learn
