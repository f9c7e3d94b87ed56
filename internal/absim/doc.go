// Package absim simulates the traffic of an A/B experiment on answer variants: the sample
// shop's holdout (corpora/shop/holdout) replayed, pass after pass, as messages from simulated
// customers; each message of the experiment's intent gets the variant experiment.Set.Assign
// gives its sender, and an outcome — rating, resolved, repeat — drawn from that variant's
// true distributions. It backs the experiment package's power and A/A simulations and
// scripts/absim, which writes a decision log for `zhiyi ab`. Deterministic for a seed.
package absim
