package nlp

import (
	"testing"
)

// TestMaskHongKongTaiwan: a shop in Hong Kong or Taiwan is written to with its customers' local
// phone numbers, identity card numbers and addresses; each was kept as typed in the decision
// log, training data and cluster sheets (9123 4567, A123456(3), 彌敦道 688 號), or masked as an
// order (0912-345-678). Ordinary text with the same shapes stays.
func TestMaskHongKongTaiwan(t *testing.T) {
	f := maskCheck(t)
	// Hong Kong and Macau numbers: with the country code anywhere, alone after a word that says so
	f("852-9123-4567", "<PHONE>", "phone")
	f("00852 9123 4567 唔該", "<PHONE> 唔該", "phone")
	f("澳門 853 6612 3456", "澳門 <PHONE>", "phone")
	f("我電話係 9123 4567 唔該", "我電話係 <PHONE> 唔該", "phone")
	f("我的手機 91234567", "我的手機 <PHONE>", "phone")
	f("聯絡電話：6123-4567", "聯絡電話:<PHONE>", "phone")
	f("WhatsApp: 5123 4567", "whatsapp: <PHONE>", "phone")
	f("电话 6552 8899", "电话 <PHONE>", "phone") // a mainland landline without its area code
	f("電話 (02) 2345-6789", "電話 (<PHONE>", "phone")
	// Taiwan's mobiles are phones, not orders
	f("我手機是0912-345-678", "我手機是<PHONE>", "phone")
	f("0912 345 678", "<PHONE>", "phone")
	f("886912345678", "<PHONE>", "phone")
	f("+886 912 345 678", "<PHONE>", "phone")
	// identity cards
	f("香港身份證 A123456(3)", "香港身份證 <IDCARD>", "idcard")
	f("身份證 A123456(7)", "身份證 <IDCARD>", "idcard") // printed so, whatever its check
	f("身份證 AB987654(2)", "身份證 <IDCARD>", "idcard")
	f("身份證 A123456 (3)", "身份證 <IDCARD>", "idcard")
	f("身份證 A123456（3）", "身份證 <IDCARD>", "idcard")
	f("香港身份證A1234563", "香港身份證<IDCARD>", "idcard")
	f("身分證字號 A123456789", "身分證字號 <IDCARD>", "idcard")
	f("身份證編號 A123456789", "身份證編號 <IDCARD>", "idcard") // 编号 names an order's number or a card's
	f("a123456789,0912345678", "<IDCARD>,<PHONE>", "phone", "idcard")
	// a name beside the phone, addresses of Hong Kong and Taiwan
	f("陳大文 0912-345-678", "<NAME> <PHONE>", "phone", "name")
	f("電話 9123 4567 陳大文", "電話 <PHONE> <NAME>", "phone", "name")
	f("寄去九龍旺角彌敦道 688 號 12樓 B室", "寄去九龍<ADDR>", "address")
	f("中環德輔道中 100號 8樓", "<ADDR>", "address")
	f("皇后大道東 1號", "<ADDR>", "address")
	f("新北市板橋區文化路一段 25 號 7 樓之 2", "新北市板橋區<ADDR>", "address")
	// what stays: amounts, dates, orders, codes, company tax ids, words ending in 道
	for _, s := range []string{
		"統一編號 12345678", "統編 24536806 抬頭港台科技", "訂單 20261201", "電話費 12345678 元",
		"手機 iPhone 15 256GB", "telegram 51234567", "型號 AB123456C", "商品編號 A123456789X",
		"sku a1234567 有貨嗎", "我的身分證 F223456789", "預算 6000-8000", "HK$1,299 兩件 HK$2,400",
		"買咗 3 件 每件 $199", "我想知道3號能唔能到", "你知道 3 號有冇貨", "味道 2 號", "難道 5 號都未到",
		"頻道 8 號", "彌敦道附近有冇門市", "一道 3 號菜", "我要 2 件 42 碼", "7-11 取貨", "12345678",
		"9123 4567", "电话号码 12 位吗", "我顺道3号来拿", "快递改道3号送到", "绕道2号门进来", "泳道 3 号",
		"订单号 A123456789", "單號：A123456789 幾時到", "订单A1234563", "联系了 3 次", "手機殼 iPhone 14 Pro", "打給我 唔該",
	} {
		f(s, s)
	}
}

// TestMaskHongKongTaiwanSurnames: names after a cue whose surname is common in Hong Kong or
// Taiwan but rare in the mainland (洪, 賴, 麥, 鄺, 區, 簡) were kept; the words such a surname begins
// (區號, 簡單, 麥當勞) stay.
func TestMaskHongKongTaiwanSurnames(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"收件人洪小美 0912345678", "收件人<NAME> <PHONE>"},
		{"我叫賴美玲", "我叫<NAME>"},
		{"聯繫人麥嘉欣", "聯繫人<NAME>"},
		{"收件人鄺大文", "收件人<NAME>"},
		{"收件人冼家豪", "收件人<NAME>"},
		{"收件人區家明 電話 9123 4567", "收件人<NAME> 電話 <PHONE>"},
		{"姓名簡志明", "姓名<NAME>"},
		{"我是區域經理", "我是區域經理"},
		{"收件人區號要填嗎", "收件人區號要填嗎"},
		{"收件人簡單寫就好", "收件人簡單寫就好"},
		{"我是麥當勞員工", "我是麥當勞員工"},
	} {
		// as the log masks it (typed), and as the analyzer does (folded)
		for _, p := range [][2]string{{c.in, c.want}, {Fold(c.in), Fold(c.want)}} {
			if got, _ := Mask(Normalize(p[0])); got != Normalize(p[1]) {
				t.Errorf("Mask(Normalize(%q)) = %q, want %q", p[0], got, Normalize(p[1]))
			}
		}
	}
}

// TestMaskShippingBlockHongKong: Hong Kong's customers give a parcel's recipient as name, eight
// digits and address; the number (and so the name beside it) was kept, as was an estate's
// phase before its block (某某小区 3期 16栋, 駱駝漆大廈 3期 12樓). An order number beside an
// address, and eight digits that are an amount, stay.
func TestMaskShippingBlockHongKong(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"陳大文 9123 4567 九龍旺角彌敦道 688 號", "<NAME> <PHONE> 九龍<ADDR>"},
		{"九龍旺角彌敦道 688 號 陳大文 9123 4567", "九龍<ADDR> <NAME> <PHONE>"},
		{"收件人陳大文 9123-4567", "收件人<NAME> <PHONE>"},
		{"收件人陳大文，61234567", "收件人<NAME>,<PHONE>"},
		{"昆明市官渡区 某某小区 3期 16栋", "昆明市官渡区 <ADDR>"},
		{"觀塘 駱駝漆大廈 3期 12樓", "觀塘 <ADDR>"},
		{"寄去彌敦道 688 號 訂單 22345678", "寄去<ADDR> 訂單 22345678"},
		{"寄去彌敦道 688 號 單號：22345678", "寄去<ADDR> 單號:22345678"},
		{"收件人陳大文 要 3 件 每件 12345678 元", "收件人<NAME> 要 3 件 每件 12345678 元"},
		{"陳大文 9123 4567", "陳大文 9123 4567"}, // no address, no cue: as often a name and an order
		{"信用卡分3期", "信用卡分3期"},
		// eight digits a word names as a waybill, an invoice, a card, an amount: no phone
		{"寄到人民路100号 运单 62345678", "寄到<ADDR> 运单 62345678"},
		{"人民路100号 快递单 62345678 查一下", "<ADDR> 快递单 62345678 查一下"},
		{"地址人民路100号 发票号：62345678", "地址<ADDR> 发票号:62345678"},
		{"文三路100号 取件码 62345678", "<ADDR> 取件码 62345678"},
		{"收件人张三 金额 62345678", "收件人<NAME> 金额 62345678"},
		{"收货人张三 会员卡 62345678", "收货人<NAME> 会员卡 62345678"},
		{"收件人陳大文 號碼：9123 4567", "收件人<NAME> 號碼:<PHONE>"}, // 號碼 alone is no cue, nor a named number
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}
