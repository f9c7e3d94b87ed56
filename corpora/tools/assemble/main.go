package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

// intentIDs is the intent list of corpora/shop/src/INTENTS.md, plus none.
const intentIDs = `product_info size_advice stock_restock price_coupon promotion_rules
shipping_time payment_methods payment_failed installment authenticity shipping_fee
change_order cancel_order track_parcel hurry_shipment change_address
lost_damaged_parcel delivery_problem return_goods exchange_goods refund_progress
price_protection repair_warranty quality_complaint missing_wrong_item issue_invoice
change_invoice_title vat_special_invoice login_problem points_membership bind_phone
human_agent greeting thanks_goodbye opening_hours service_complaint praise suggestion
none`

const (
	wecomMonths = "2026-08 2026-09 2026-10"
	kfFile      = "kf_sync_msg_2026-08_10.jsonl"
	crmFile     = "crm_export_2026-08_10.csv"
	crmHeader   = "\ufeff会话ID,消息ID,发送时间,发送方,发送方类型,消息内容,意图标签\r\n"

	// Noise rates.
	pImage   = 0.04  // extra customer image after a message
	pVoice   = 0.02  // extra customer voice after a message
	pRecall  = 0.02  // recall after a customer message (WeCom only)
	pGarble  = 0.003 // truncated WeCom line
	pEnter   = 0.4   // 微信客服 conversation opens with an enter_session event
	hideRate = 0.23  // hidden labels, most intents
	hideChat = 0.5   // hidden labels, greeting and thanks_goodbye
)

var cst = time.FixedZone("CST", 8*3600) // Asia/Shanghai, no DST

var (
	periodStart = time.Date(2026, 8, 1, 0, 0, 0, 0, cst)
	periodEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, cst) // exclusive
)

// staff are the agents: WeCom user id and the display name the CRM shows.
var staff = []struct{ id, name string }{
	{"zhangwei", "张伟"}, {"lixiaoyu", "李晓雨"}, {"wangfang", "王芳"},
	{"liuyang", "刘洋"}, {"chenjing", "陈静"}, {"zhaolei", "赵磊"},
}

// kfAccounts are the two 微信客服 accounts (open_kfid).
var kfAccounts = []string{"wkAbC123Dq7XmR2tLp9VsN4eKy", "wkAbC123Hj5WcZ8uFn3GbT6rQa"}

// hourWeight is the relative chat volume per hour of day.
var hourWeight = [24]float64{
	0.6, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 1.0, 1.6, 2.6, 2.6,
	1.6, 1.5, 2.4, 2.5, 2.4, 1.6, 1.3, 1.7, 2.6, 2.8, 2.5, 1.2,
}

type message struct {
	customer bool
	intent   string // customer messages only
	text     string
	labelled bool // label visible in the export
}

type conversation struct {
	where string // file:line of the === line
	msgs  []message
}

type channel int

const (
	chWeCom channel = iota
	chKf
	chCRM
)

type kind int

const (
	kText kind = iota
	kImage
	kVoice
	kRecall
	kEvent
)

// item is one line of an export before it is encoded.
type item struct {
	kind     kind
	customer bool
	msg      *message // kText
	recallOf int      // kRecall: index of the recalled item
	ms       int64    // unix milliseconds
	msgid    string
}

// record is an encoded export line with its sort key and statistics.
type record struct {
	ms      int64
	seq     int
	line    []byte
	msg     *message // customer text, nil otherwise
	msgid   string   // the line's message id (customer texts)
	garbled bool
	kind    kind // kind of the item
}

func main() {
	src := flag.String("src", "corpora/shop/src", "folder with the chats_*.txt authoring files")
	out := flag.String("out", "corpora/shop/chats", "folder the exports are written to")
	gold := flag.String("gold", "corpora/shop/gold/labels.jsonl", "file the true intent of every customer text message is written to")
	seed := flag.Uint64("seed", 20260801, "random seed")
	flag.Parse()
	if err := run(*src, *out, *gold, *seed, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "assemble:", err)
		os.Exit(1)
	}
}

func run(src, out, gold string, seed uint64, summary io.Writer) error {
	known := map[string]bool{}
	for _, id := range strings.Fields(intentIDs) {
		known[id] = true
	}
	files, err := filepath.Glob(filepath.Join(src, "chats_*.txt"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no chats_*.txt in %s", src)
	}
	slices.Sort(files)
	var convs []*conversation
	for _, f := range files {
		cs, err := parseFile(f, known)
		if err != nil {
			return err
		}
		convs = append(convs, cs...)
	}
	convs, dups, emptied := dedupe(convs)
	for _, c := range convs {
		for i := range c.msgs {
			m := &c.msgs[i]
			m.labelled = m.customer && !hideLabel(seed, m)
		}
	}

	a := &assembler{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ids: map[string]bool{}}
	a.rng.Shuffle(len(convs), func(i, j int) { convs[i], convs[j] = convs[j], convs[i] })
	starts := a.startTimes(len(convs))
	outs := map[string][]record{}
	perChannel := [3]int{}
	for i, c := range convs {
		ch := a.channel()
		perChannel[ch]++
		switch ch {
		case chWeCom:
			for _, r := range a.wecom(c, starts[i]) {
				name := "wecom_" + time.UnixMilli(r.ms).In(cst).Format("2006-01") + ".jsonl"
				outs[name] = append(outs[name], r)
			}
		case chKf:
			outs[kfFile] = append(outs[kfFile], a.kf(c, starts[i])...)
		case chCRM:
			outs[crmFile] = append(outs[crmFile], a.crm(c, starts[i])...)
		}
	}

	names := []string{kfFile, crmFile}
	for _, m := range strings.Fields(wecomMonths) {
		names = append(names, "wecom_"+m+".jsonl")
	}
	slices.Sort(names)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, name := range names {
		recs := outs[name]
		slices.SortStableFunc(recs, func(x, y record) int {
			if x.ms != y.ms {
				return cmpInt64(x.ms, y.ms)
			}
			return x.seq - y.seq
		})
		var buf bytes.Buffer
		if name == crmFile {
			buf.WriteString(crmHeader)
		}
		for _, r := range recs {
			buf.Write(r.line)
		}
		if err := atomicfile.WriteFile(filepath.Join(out, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if err := writeGold(gold, names, outs); err != nil {
		return err
	}
	summarize(summary, len(files), len(convs), perChannel, dups, emptied, names, outs)
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
