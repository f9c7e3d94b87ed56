// Command maskaudit lists the names and addresses the masker finds in the sample shop, so that
// a person can read them and tell personal data from ordinary words masked by mistake
// (over-masking costs the model its words and shows operators <NAME> where a product was):
//
//	go run ./scripts/maskaudit              # the shop's customer messages
//	go run ./scripts/maskaudit -probe       # the shop's own words where a name or address may stand
//
// The messages are the `C ` lines of corpora/shop/src/*.txt and the texts of
// corpora/shop/holdout/*.jsonl. The probe takes every word of the shop's dictionaries and of its
// kb.yaml and customer lines (runs of two to four Chinese characters, Latin words) and writes it
// where the masker looks for a name or an address: beside a phone (毛巾 13812345678), after a
// word that introduces a name (姓名 iphone), and, when it ends like a road or a building, before a
// number (人民路2号线). The chats' names come out of the probe too: read each line before counting.
//
// A line is `kind<TAB>source<TAB>original<TAB>masked`, then one count line per kind. The text is
// masked as the analyzer masks it (Normalize, Fold, Mask).
package main
