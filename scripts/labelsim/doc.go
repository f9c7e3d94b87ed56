// Command labelsim simulates an operator labelling a cluster sheet (zhiyi cluster) from gold
// labels, for the cluster-labelling benchmark (scripts/bench-labels.sh):
//
//	labelsim measure -sheet S -gold G              purity and coverage of the sheet against gold
//	labelsim fill -sheet S -gold G -n N -out F     fill the N largest clusters with their members'
//	                                               majority gold intent when it holds ≥ -min-share
//	                                               of them (else leave the line undecided)
//	labelsim random -sheet S -gold G -n N -out F   the control: N messages of the sheet chosen at
//	                                               random (-seed), labelled one by one
//
// Gold files are {"msgid","intent"} JSON lines (corpora/shop/gold/labels.jsonl). Outputs are what
// zhiyi train --labels reads.
package main
