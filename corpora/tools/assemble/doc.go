// Command assemble turns the hand-written conversations of the sample shop
// (corpora/shop/src/chats_*.txt, format in FORMAT.md there) into the channel
// exports under corpora/shop/chats:
//
//   - wecom_2026-MM.jsonl: WeCom session archive, one file per month
//   - kf_sync_msg_2026-08_10.jsonl: 微信客服 sync_msg messages
//   - crm_export_2026-08_10.csv: CRM export (UTF-8 BOM, CRLF)
//
// It shuffles the conversations, spreads them over 2026-08-01 .. 2026-10-31
// (+08:00, busy hours and a promotion bump), assigns channels, ids and
// timestamps, mixes in image/voice/recall noise and a few garbled lines, hides
// the label of about a quarter of the customer text messages and drops
// customer texts that repeat an earlier one after normalisation. The output
// depends only on the sources and the seed. A summary goes to stderr.
//
// Usage, from the repository root:
//
//	go run ./corpora/tools/assemble [-src corpora/shop/src] [-out corpora/shop/chats] [-seed 20260801]
package main
