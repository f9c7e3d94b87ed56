package nlp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// maskCheck returns the check the masking tests make of a message: Mask(Normalize(in)) is
// Normalize(want) (so a want may be written in the customer's script), finding kinds.
func maskCheck(t *testing.T) func(in, want string, kinds ...string) {
	return func(in, want string, kinds ...string) {
		t.Helper()
		got, set := Mask(Normalize(in))
		if got != Normalize(want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", in, got, Normalize(want))
		}
		if len(kinds) == 0 {
			kinds = nil
		}
		if !slices.Equal(set.Kinds(), kinds) {
			t.Errorf("Mask(Normalize(%q)) kinds = %v, want %v", in, set.Kinds(), kinds)
		}
	}
}

// TestMaskFormats holds the formats customers (and gateways' ids) write personal data in, each
// normalised first as the analyzer does.
func TestMaskFormats(t *testing.T) {
	f := maskCheck(t)
	// mobiles with every separator
	f("电话138.1234.5678", "电话<PHONE>", "phone")
	f("电话138/1234/5678", "电话<PHONE>", "phone")
	f("电话138_1234_5678", "电话<PHONE>", "phone")
	f("电话138-1234-5678", "电话<PHONE>", "phone")
	f("电话 138 1234 5678 谢谢", "电话 <PHONE> 谢谢", "phone")
	f("138 - 1234 - 5678", "<PHONE>", "phone")
	f("有事打我电话 (138)1234-5678", "有事打我电话 (<PHONE>", "phone")
	f("电话138–1234–5678", "电话<PHONE>", "phone")
	f("电话138—1234—5678", "电话<PHONE>", "phone")
	f("电话138~1234~5678", "电话<PHONE>", "phone")
	f("电话138～1234～5678", "电话<PHONE>", "phone")
	f("电话138·1234·5678", "电话<PHONE>", "phone")
	// what a Chinese keyboard types for a dash (——), other dashes, dots, length marks, symbols,
	// a combining accent, and digits of other forms and scripts
	for _, sep := range []string{"——", "--", "‒", "―", "﹣", "﹘", "・", "･", "ー", "ｰ", "‧", "∙", "⋅", "゠", "〰", "⸺", "#", "=", "\\", "\u0301", "- -", "·—", "–—", "-—", ".-", "*-", " /-"} {
		f("电话138"+sep+"1234"+sep+"5678退货", "电话<PHONE>退货", "phone")
	}
	f("6222——0212——3456——7890——128", "<BANKCARD>", "bankcard")
	f("110101——19900307——1233", "<IDCARD>", "idcard")
	f("身份证110105—-19491231—-002X", "身份证<IDCARD>", "idcard")
	f("电话¹³⁸¹²³⁴⁵⁶⁷⁸", "电话<PHONE>", "phone")
	f("电话¹\u200b³\u200b⁸\u200b¹²³⁴⁵⁶⁷⁸", "电话<PHONE>", "phone") // zero-width characters between them
	f("电话₁₃₈₁₂₃₄₅₆₇₈", "电话<PHONE>", "phone")
	f("电话١٣٨١٢٣٤٥٦٧٨", "电话<PHONE>", "phone")
	f("电话۱۳۸۱۲۳۴۵۶۷۸", "电话<PHONE>", "phone")
	f("电话१३८१२३४५६७८", "电话<PHONE>", "phone")
	f("预算100——200", "预算100——200")
	f("请选对区号(+852 / +853 / +886)", "请选对区号(+852 / +853 / +886)") // three country codes, not one number
	// a + right after a number masked begins a +number, as it does once the first is a placeholder
	f("1234567890+1234567", "<ORDER><PHONE>", "phone", "order")
	f("单号1234567890 +1234567", "单号<ORDER> <PHONE>", "phone", "order")
	f("12+1234567", "12+1234567")
	f("面积20m²，体积10³", "面积20m²,体积10³") // a lone superscript is a unit or a power, not a digit
	f("6222—0212—3456—7890—128", "<BANKCARD>", "bankcard")
	f("卡号6贰1 0086 9捌7 5柒八 804幺", "卡号<BANKCARD>", "bankcard")             // read out, in threes
	f("卡号6 2 8 9 3 4 9 0 1 9 0 3 1 5 1 6 1", "卡号<BANKCARD>", "bankcard") // a digit at a time
	f("尺码41 42 43 44 45 46", "尺码41 42 43 44 45 46")
	f("价格100~200之间", "价格100~200之间")
	f("预算100—200", "预算100—200")
	f("价格15000–25000之间", "价格15000–25000之间")
	f("预算10000—20000元", "预算10000—20000元")
	f("活动20240501—20240507", "活动20240501—20240507")
	f("120—150—180—200—250斤", "120—150—180—200—250斤")
	f("1 3 8 1 2 3 4 5 6 7 8", "<PHONE>", "phone")
	f("13 81 23 45 67 8", "<PHONE>", "phone")
	f("+8613812345678", "<PHONE>", "phone")
	f("+86 138 1234 5678", "<PHONE>", "phone")
	f("+86-138-1234-5678", "<PHONE>", "phone")
	f("86 138 1234 5678", "<PHONE>", "phone")
	// Chinese numerals, full-width digits, 幺 for one, financial and traditional forms, mixed
	f("我电话一三八一二三四五六七八", "我电话<PHONE>", "phone")
	f("幺三八幺二三四五六七八", "<PHONE>", "phone")
	f("幺三八洞洞幺三八洞洞洞", "<PHONE>", "phone") // read out by radio: 洞 0, 拐 7, 勾 9
	f("幺拐勾洞洞幺二三四五六", "<PHONE>", "phone")
	f("洞洞鞋打勾拐弯", "洞洞鞋打勾拐弯")
	// long numbers read out that are no mobile, ID or card (a voice message's recognised text):
	// an old 15-digit ID, a card failing the Luhn check, are masked as their digits would be
	f("身份证一一〇一〇五四九一二三一〇〇二", "身份证<ORDER>", "order")
	f("老身份证号 一一零一零五四九一二三一零零二", "老身份证号 <ORDER>", "order")
	f("卡号六二一七零零零零一零零零一二三四五六七", "卡号<ORDER>", "order")
	f("订单号 二零二六一一 一一二三四五", "订单号 <ORDER>", "order")
	f("一二三四五六七八九", "一二三四五六七八九") // nine: counted, as digits are
	f("买了三五件 七八九十个", "买了三五件 七八九十个")
	f("１３８１２３４５６７８", "<PHONE>", "phone")
	f("一三八 一二三四 五六七八", "<PHONE>", "phone")
	f("一三八-一二三四-五六七八", "<PHONE>", "phone")
	f("壹叁捌壹贰叁肆伍陆柒捌", "<PHONE>", "phone")
	f("壹參捌壹貳參肆伍陸柒捌", "<PHONE>", "phone")
	f("138一二三四五六七八", "<PHONE>", "phone")
	f("一三八〇〇〇〇五六七八", "<PHONE>", "phone")
	f("统一13812345678", "统一<PHONE>", "phone")
	// ID cards and bank cards with separators and in Chinese numerals
	f("110105 19491231 002x", "<IDCARD>", "idcard")
	f("310115.19851120.4566", "<IDCARD>", "idcard")
	f("三一〇一一五一九八五一一二〇四五六六", "<IDCARD>", "idcard")
	f("6222 0212 3456 7890 128", "<BANKCARD>", "bankcard")
	f("6222-0212-3456-7890-128", "<BANKCARD>", "bankcard")
	f("6222.0212.3456.7890.128", "<BANKCARD>", "bankcard")
	f("六二二二〇二一二三四五六七八九〇一二八", "<BANKCARD>", "bankcard")
	// e-mail in the forms people type to dodge filters
	f("发到x@example。com", "发到<EMAIL>", "email")
	f("x at example dot com", "<EMAIL>", "email")
	f("邮箱 x.y at example dot com 谢谢", "邮箱 <EMAIL> 谢谢", "email")
	f("x(at)example(dot)com", "<EMAIL>", "email")
	f("x [at] example [dot] com", "<EMAIL>", "email")
	f("x艾特example点com", "<EMAIL>", "email")
	f("发到abc@qq点com吧", "发到<EMAIL>吧", "email")
	f("X@EXAMPLE.COM", "<EMAIL>", "email")
	f("x＠example．com", "<EMAIL>", "email")
	f("13812345678@qq.com", "<EMAIL>", "email")
	f("abc@qq.com。谢谢", "<EMAIL>。谢谢", "email")
	f("abc@qq.com点击链接", "<EMAIL>点击链接", "email")
	f("邮箱 zhangsan @ qq.com 谢谢", "邮箱 <EMAIL> 谢谢", "email")
	f("电话138，1234，5678", "电话<PHONE>", "phone")
	f("身份证号11010519491231002X。谢谢", "身份证号<IDCARD>。谢谢", "idcard")
	f("身份证号110105.19491231.002X。", "身份证号<IDCARD>。", "idcard")
	f("1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", "<PHONE>", "phone")
	// several at once
	f("电话138.1234.5678 邮箱x@example。com", "电话<PHONE> 邮箱<EMAIL>", "phone", "email")
	// what customers write that is not personal data stays as it is
	for _, s := range []string{
		"199元", "199.00元 买2件", "42码偏大吗", "38 39 40 41 42 都有吗", "1,299元", "12,345,678", "38,39,40码", "1,2,3号",
		"有41 42 43 44 45 46 47 48码吗", "110 120 130 140码都有吗", "2024 2025 2026 2027年", "房间号 1201 1202 1203", "99 199 299 399 499 599", "11月11日发货", "2026-11-11 13:00",
		"2026/11/11", "2026.11.11", "身高170 体重65", "3.5折", "买一送一", "一二三四五六七八九十",
		"第一二三件", "iphone15", "12:30 到 13:30", "1/2 的价格", "v1.2.3", "192.168.1.1",
		"艾特我一下", "请艾特客服点一下", "at home dot", "what at the dot", "@张三 在吗", "hi @bob.smith",
		"一件两件三件", "四五六七八九", "七八九十个", "零零碎碎", "10.5 11 11.5 码",
	} {
		f(s, Normalize(s))
	}
	// forms that slip a number past a plain digit match (a review's probes): enclosed and styled
	// digits, symbols, emoji and invisible fillers between the groups, 0086, landlines
	f("我的电话①③⑧①②③④⑤⑥⑦⑧ 快递到哪了", "我的电话<PHONE> 快递到哪了", "phone")
	f("⑴⑶⑻⑴⑵⑶⑷⑸⑹⑺⑻", "<PHONE>", "phone")
	f("⒈⒊⒏⒈⒉⒊⒋⒌⒍⒎⒏", "<PHONE>", "phone")
	f("❶❸❽❶❷❸❹❺❻❼❽", "<PHONE>", "phone")
	f("𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "<PHONE>", "phone")
	f("1😀3😀8😀1😀2😀3😀4😀5😀6😀7😀8", "<PHONE>", "phone")
	f("电话138🙏1234🙏5678", "电话<PHONE>", "phone")
	for _, sep := range []string{"、", "*", "；", "|", "+", "•", "\u3164", "\u034f", "\u180b", "\U000E0100"} {
		f("电话138"+sep+"1234"+sep+"5678", "电话<PHONE>", "phone")
	}
	f("0086 13812345678", "<PHONE>", "phone")
	f("0086-13812345678", "<PHONE>", "phone")
	f("008613812345678", "<PHONE>", "phone")
	f("座机 0755-2661 3029", "座机 <PHONE>", "phone")
	f("010 6552 8899", "<PHONE>", "phone")
	f("021-6888 9999 找张经理", "<PHONE> 找张经理", "phone")
	f("(0755)26613029", "(<PHONE>", "phone")
	// a phone number after a chain too long to read whole
	f("尺码数量 "+strings.Repeat("1 ", 46)+"138 1234 5678", "尺码数量 "+strings.Repeat("1 ", 46)+"<PHONE>", "phone")
	f("订单"+strings.Repeat("2026110412345678,", 8)+"138.1234.5678", "订单"+strings.Repeat("<ORDER>,", 8)+"<PHONE>", "phone", "order")
	f("邮箱 zhang.san@ probe-mail.com", "邮箱 <EMAIL>", "email")
	f("zhang@probe-mail .com 收一下", "<EMAIL> 收一下", "email")
	f("zhang@qq. com", "<EMAIL>", "email")
	f("zhang@qq . com", "<EMAIL>", "email")
	// and what they must not take: amounts and sizes between symbols, a price list with emoji
	for _, s := range []string{"2件*3 一共6件", "38|39|40 码", "1+1 套装", "3件🎁5元", "第1、2、3件", "⑩号包裹",
		"@小王 . 在吗", "hi @bob. come", "发我@ 我看到了"} {
		f(s, Normalize(s))
	}
	// order numbers are their own kind, as before; named an order, one that passes a card's
	// checks is an order too
	f("订单号3921876540123456到哪了", "订单号<ORDER>到哪了", "order")
	f("我要发票 订单号是4429103857611294", "我要发票 订单号是<ORDER>", "order")
	f("运单号：4429103857611294", "运单号:<ORDER>", "order")
	f("卡号4429103857611294", "卡号<BANKCARD>", "bankcard")
	f("单号 7788 9900 1122", "单号 <ORDER>", "order")
}

// TestMaskChineseMailbox: a mailbox of Chinese characters, or mixing them with ASCII, is an
// e-mail address like any other; where it starts is a guess (mailboxCues, maxMailboxHan), and a
// mention, a name beside an @ with no domain, or the words around it stay text.
func TestMaskChineseMailbox(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"张三@qq.com", "<EMAIL>"},
		{"小明.li@163.com", "<EMAIL>"},
		{"王芳2024@foxmail.com", "<EMAIL>"},
		{"我的邮箱是李雷@example.cn 谢谢", "我的邮箱是<EMAIL> 谢谢"},
		{"邮箱：张三@qq.com", "邮箱:<EMAIL>"},
		{"邮箱张三@qq.com", "邮箱<EMAIL>"},
		{"发票发到张三@qq.com吧", "发票发到<EMAIL>吧"},
		{"麻烦发给欧阳娜娜@qq.com", "麻烦发给<EMAIL>"},
		{"我老婆的邮箱号王芳@163.com", "我老婆的邮箱号<EMAIL>"},
		{"邮箱改成李雷.hanmeimei@sina.com.cn了", "邮箱改成<EMAIL>了"},
		{"我的邮箱是wang.fang@qq.com", "我的邮箱是<EMAIL>"},
		{"邮件 张三 @ qq.com", "邮件 <EMAIL>"},
		{"张三@ qq.com", "<EMAIL>"},
		{"张三＠ｑｑ．ｃｏｍ", "<EMAIL>"},
		{"张三@qq。com", "<EMAIL>"},
		{"小明艾特qq点com", "<EMAIL>"},
		{"小明 at qq dot com", "<EMAIL>"},
		{"小明(at)qq.com", "<EMAIL>"},
		{"张三@qq.com和李四@163.com", "<EMAIL><EMAIL>"}, // 和 is a name's character too: it goes with 李四
		// letters with accents are the mailbox's: the name before them was left as text
		{"邮箱 josé.garcia@gmail.com 发票", "邮箱 <EMAIL> 发票"},
		{"邮箱 zhāngsān@example.com", "邮箱 <EMAIL>"},
		{"müller@example.de", "<EMAIL>"},
		{"发到zhāng三@qq.com", "发到<EMAIL>"},
		{"josé@", "josé@"},
		// no cue: at most maxMailboxHan characters go with the name
		{"下次麻烦直接寄张三@qq.com", "下次麻烦直接寄<EMAIL>"},
		{"下次麻烦直接抄送张三@qq.com", "下次麻烦<EMAIL>"},
		// not addresses
		{"@张三 你好", "@张三 你好"},
		{"张三@李四 你看一下这个订单", "张三@李四 你看一下这个订单"},
		{"@所有人 今天发货", "@所有人 今天发货"},
		{"谢谢@客服小王", "谢谢@客服小王"},
		{"艾特我一下", "艾特我一下"},
		{"快点发货", "快点发货"},
		{"张三艾特我点一下", "张三艾特我点一下"},
		{"张三@qq 加我", "张三@qq 加我"},
		{"这件199元@小王 在吗", "这件199元@小王 在吗"},
	} {
		if got, set := Mask(Normalize(c.in)); got != Normalize(c.want) || set.Has(MaskEmail) != strings.Contains(c.want, "<EMAIL>") {
			t.Errorf("Mask(Normalize(%q)) = %q %v, want %q", c.in, got, set.Kinds(), c.want)
		}
	}
}

// TestMaskSentences: personal data as customers write it in whole messages, each kind in the
// forms a review checked (most were masked already; the table keeps them so).
func TestMaskSentences(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"我的手机号是138 0013 8000，麻烦尽快发货", "我的手机号是<PHONE>,麻烦尽快发货"},
		{"电话：138-0013-8000。", "电话:<PHONE>。"},
		{"联系 +86 138 0013 8000 或者 0086 139 0013 9000", "联系 <PHONE> 或者 <PHONE>"},
		{"手机１３８ ００１３ ８０００，微信同号", "手机<PHONE>,微信同号"},
		{"身份证号11010519491231002X，名字张三", "身份证号<IDCARD>,名字<NAME>"},
		{"身份证 110105 19491231 002x 帮我实名", "身份证 <IDCARD> 帮我实名"},
		{"身份证号11010519491231002 X 帮我实名", "身份证号<IDCARD> 帮我实名"},
		{"身份证 110105 19491231 002 x", "身份证 <IDCARD>"},
		{"身份证110105-19491231-002-X。", "身份证<IDCARD>。"},
		{"11010519491231002 xl码有吗", "<ORDER> xl码有吗"},
		{"退款到这张卡 6222 0200 0000 0007 谢谢", "退款到这张卡 <BANKCARD> 谢谢"},
		{"卡号4111-1111-1111-1111", "卡号<BANKCARD>"},
		{"发票发到 x＠example.com 吧", "发票发到 <EMAIL> 吧"},
		{"邮箱 zhangsan（at）qq.com", "邮箱 <EMAIL>"},
		{"邮箱 zhangsan【at】qq【dot】com", "邮箱 <EMAIL>"},
		{"邮箱zhangsan 【at】 163.com 收下", "邮箱<EMAIL> 收下"},
		{"这件【at】活动价199元，3件起", "这件【at】活动价199元,3件起"},
		{"邮箱：wang.fang#foxmail.com（#换成@）", "邮箱:<EMAIL>(#换成@)"},
		{"发票发张三#163.com 谢谢", "<EMAIL> 谢谢"}, // 发 is no cue (names hold it): the lead-in goes too
		{"#新品# 款式#2 颜色#red 138#1234#5678", "#新品# 款式#2 颜色#red <PHONE>"},
		{"商品编号#a12.xl 有货吗", "商品编号#a12.xl 有货吗"},
		{"订单号3921876540123456到哪了 @客服", "订单号<ORDER>到哪了 @客服"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}

// TestMaskExceptKeepsOrders: identifiers keep long digit runs (message and order ids) but lose
// personal data.
func TestMaskExcept(t *testing.T) {
	f := func(in, want string, kinds ...string) {
		t.Helper()
		got, set := MaskExcept(in, MaskOrder)
		if got != want || !slices.Equal(set.Kinds(), kinds) {
			t.Errorf("MaskExcept(%q) = %q %v, want %q %v", in, got, set.Kinds(), want, kinds)
		}
	}
	f("m-1730000000000123", "m-1730000000000123")
	f("1839201928374650123", "1839201928374650123") // a snowflake id, whatever its Luhn digit
	f("1839201928374650124", "1839201928374650124")
	f("req-13812345678", "req-<PHONE>", "phone")
	f("+8613812345678", "<PHONE>", "phone")
	f("138-1234-5678", "<PHONE>", "phone")
	f("id-11010519491231002x", "id-<IDCARD>", "idcard")
	f("id-11010519491231002 X", "id-<IDCARD>", "idcard") // the check character set apart
	f("11010519491231002-x", "<IDCARD>", "idcard")
	f("11010519491231002 xyz", "11010519491231002 xyz")
	f("6222021234567890128", "<BANKCARD>", "bankcard")
	f("to:x@example.com", "to:<EMAIL>", "email")
}

func TestMaskSetKinds(t *testing.T) {
	if got := MaskAll.Kinds(); len(got) != int(numMaskKinds) {
		t.Fatalf("MaskAll.Kinds() = %v", got)
	}
}

// piiFormats renders one value of each kind in the formats of TestMaskFormats, chosen by r.
type piiCase struct {
	kind MaskKind
	text string // as written
	core string // digits (or the mailbox) that must not survive masking
}

var cnDigits = [][]string{
	{"〇", "零"}, {"一", "幺", "壹"}, {"二", "贰", "貳"}, {"三", "叁", "參"}, {"四", "肆"},
	{"五", "伍"}, {"六", "陆", "陸"}, {"七", "柒"}, {"八", "捌"}, {"九", "玖"},
}

// renderDigits writes the digits d as customers type them. A card's groups are of four, as the
// card prints them (a card in threes reads as a list of sizes: cardGrouping).
func renderDigits(r *rand.Rand, d string, card bool) string {
	seps := []string{"", " ", "-", ".", "/", "_", " - "}
	sep := seps[r.IntN(len(seps))]
	style := r.IntN(4) // ASCII, full-width, Chinese numerals, mixed
	var groups []int
	switch r.IntN(3) {
	case 0:
		groups = []int{len(d)}
	case 1: // groups of 3-4
		for n := len(d); n > 0; {
			g := min(n, 3+r.IntN(2))
			if card {
				g = min(n, 4)
			}
			groups = append(groups, g)
			n -= g
		}
	default: // one digit at a time
		for range len(d) {
			groups = append(groups, 1)
		}
		if sep == "" {
			sep = " "
		}
	}
	var b strings.Builder
	i := 0
	for gi, g := range groups {
		if gi > 0 {
			b.WriteString(sep)
		}
		for _, c := range d[i : i+g] {
			st := style
			if st == 3 {
				st = r.IntN(3)
			}
			switch {
			case c < '0' || c > '9':
				b.WriteRune(c)
			case st == 0:
				b.WriteRune(c)
			case st == 1:
				b.WriteRune(c - '0' + '０')
			default:
				opts := cnDigits[c-'0']
				b.WriteString(opts[r.IntN(len(opts))])
			}
		}
		i += g
	}
	return b.String()
}

func luhnDigit(d string) byte {
	for c := byte('0'); c <= '9'; c++ {
		if luhnValid([]byte(d + string(c))) {
			return c
		}
	}
	panic("unreachable")
}

func idCheck(d string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(d[i]-'0') * weights[i]
	}
	return "10x98765432"[sum%11]
}

func randPII(r *rand.Rand) piiCase {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	switch r.IntN(4) {
	case 0:
		d := "1" + string(byte('3'+r.IntN(7))) + digits(9)
		text := renderDigits(r, d, false)
		if r.IntN(3) == 0 {
			text = []string{"+86", "+86 ", "+86-", "86 "}[r.IntN(4)] + text
		}
		return piiCase{MaskPhone, text, d}
	case 1:
		d := digits(6) + fmt.Sprintf("%04d%02d%02d", 1950+r.IntN(70), 1+r.IntN(12), 1+r.IntN(28)) + digits(3)
		d += string(idCheck(d))
		return piiCase{MaskIDCard, renderDigits(r, d, false), d[:17]}
	case 2:
		d := "62" + digits(14+r.IntN(3))
		d += string(luhnDigit(d))
		return piiCase{MaskBankCard, renderDigits(r, d, true), d}
	}
	locals := []string{"x", "zhang.san", "a_b-c", "li+shop", "wx2026", "张三", "小明.li", "王芳2024"}
	local := locals[r.IntN(len(locals))]
	ats := []string{"@", " at ", "(at)", " [at] ", "艾特", "＠", "【at】", "#"}
	dots := []string{".", "。", " dot ", "(dot)", "点", "．"}
	dot := dots[r.IntN(len(dots))]
	text := local + ats[r.IntN(len(ats))] + "example" + dot + []string{"com", "cn", "net"}[r.IntN(3)]
	if r.IntN(2) == 0 {
		text = local + ats[r.IntN(len(ats))] + "mail" + dot + "example" + dot + "com"
	}
	if r.IntN(4) == 0 {
		text = strings.ToUpper(text)
	}
	return piiCase{MaskEmail, text, "example"}
}

// FuzzMask embeds a phone, ID card, bank card or e-mail, rendered in one of the formats of
// TestMaskFormats, between arbitrary text and checks that masking (after Normalize, as the
// analyzer runs it) removes it, reports its kind and is idempotent.
func FuzzMask(f *testing.F) {
	for i, s := range []string{"", "电话", "我的", "abc", "1", "x@", "一", "。", "+", "订单3921876540123456", "\xff"} {
		f.Add(uint64(i), s, "谢谢")
	}
	f.Fuzz(func(t *testing.T, seed uint64, before, after string) {
		r := rand.New(rand.NewPCG(seed, seed>>32))
		c := randPII(r)
		text := before + "：" + c.text + "，" + after
		got, set := Mask(Normalize(text))
		digitsOnly := func(s string) string {
			var b strings.Builder
			for i := 0; i < len(s); {
				v, n := digitAt(s, i)
				if n == 0 {
					_, n = utf8.DecodeRuneInString(s[i:])
				} else {
					b.WriteByte(v)
				}
				i += n
			}
			return b.String()
		}
		if c.kind == MaskEmail {
			if strings.Contains(strings.ToLower(got), c.core) && !strings.Contains(strings.ToLower(Normalize(before+after)), c.core) {
				t.Fatalf("%q: mailbox survived: %q", text, got)
			}
		} else if strings.Contains(digitsOnly(got), c.core) && !strings.Contains(digitsOnly(Normalize(before+after)), c.core) {
			t.Fatalf("%q (%s): digits survived: %q", text, c.kind, got)
		}
		if !set.Has(c.kind) && !(c.kind == MaskPhone && set.Has(MaskOrder)) {
			// an ID or card number may merge with digits the fuzzer put around it; it is then
			// masked, as something
			if set == 0 {
				t.Fatalf("%q: nothing masked: %q", text, got)
			}
		}
		if again, _ := Mask(Normalize(got)); again != got {
			t.Fatalf("masking is not idempotent: %q → %q → %q", text, got, again)
		}
	})
}

var maskBenchMessages = []string{
	"我电话138-1234-5678，麻烦尽快发货",
	"邮箱 x at example dot com，发票发这里",
	"卡号6222 0212 3456 7890 128 退款到这张卡",
	"手机一三八一二三四五六七八",
	"订单号3921876540123456到哪了",
	"42码偏大还是偏小，199元包邮吗",
}

func BenchmarkMaskPersonalData(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Mask(Normalize(maskBenchMessages[i%len(maskBenchMessages)]))
		i++
	}
}
