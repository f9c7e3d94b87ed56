// Command shopdata writes the sample shop's customer messages as plain labelled JSON lines for the
// drift suite (scripts/drift): {"text","intent","sent_at","conv"}, the text normalised and masked
// as zhiyi sees it, the intent from the gold labels beside the exports, sent_at in unix
// milliseconds and conv the conversation key. The output goes where -out says (outside the
// repository); nothing is written into corpora/.
//
//	go run ./scripts/drift/shopdata -out /tmp/drift/shop.jsonl
package main
