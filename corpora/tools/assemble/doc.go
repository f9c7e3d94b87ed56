// Command assemble turns the hand-written conversations of the sample shop
// (corpora/shop/src/chats_*.txt, format in FORMAT.md there) into the channel
// exports under corpora/shop/chats, and their labels into the gold file:
//
//   - wecom_2026-MM.jsonl: WeCom session archive, one file per month; no labels
//   - kf_sync_msg_2026-08_10.jsonl: 微信客服 sync_msg messages; no labels
//   - crm_export_2026-08_10.csv: CRM export (UTF-8 BOM, CRLF) whose 意图标签
//     column tags a customer row with its intent, except where an agent left
//     it empty (about 23 % of rows, half of greeting and thanks_goodbye)
//   - corpora/shop/gold/labels.jsonl (-gold): {"msgid","intent"}, the true
//     intent of every customer text message that survived export (garbled
//     lines are lost), in the order of the export files
//
// It shuffles the conversations, spreads them over 2026-08-01 .. 2026-10-31
// (+08:00, busy hours and a promotion bump), assigns channels, ids and
// timestamps, mixes in image/voice/recall noise and a few garbled lines, and
// drops customer texts that repeat an earlier one after normalisation. Which
// CRM rows lose their tag depends on the seed and the text alone. The output
// depends only on the sources and the seed. A summary goes to stderr.
//
// Usage, from the repository root:
//
//	go run ./corpora/tools/assemble [-src corpora/shop/src] [-out corpora/shop/chats]
//	    [-gold corpora/shop/gold/labels.jsonl] [-seed 20260801]
package main
