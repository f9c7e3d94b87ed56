package lintcore

import (
	"fmt"
	"strings"
	"testing"
)

// hits renders Text's hits as term/kind@offset, for table tests.
func hits(text string) string {
	var got []string
	for _, h := range Text(text) {
		got = append(got, fmt.Sprintf("%s/%s@%d", h.Term, h.Kind, h.Offset))
	}
	return strings.Join(got, " ")
}

// TestTextSpacedFirst: 销量第 一 (a space, or an input method's full-width one, between 第 and
// 一) ranks as 销量第一 does; it went through unfound while 第 1 was found. The finding names
// 第一, so the waiver a shop writes for 第一 covers either spelling; counting stays accepted.
func TestTextSpacedFirst(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"这款精华销量第 一", "第一/absolute@18"},
		{"销量第　一的充电宝", "第一/absolute@6"},
		{"全网 第 一", "第一/absolute@7"},
		{"第 一次下单送券，第 一步：申请售后", ""},
		{"第 一，先申请售后", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// kbOf is a one-intent knowledge base whose answer is the literal block text, with extra lines
// (waivers) after it.
func kbOf(text, extra string) string {
	return "shop: 测试店\nversion: 1\nintents:\n  - id: product_info\n    label: 商品咨询\n    category: 咨询\n" +
		"    priority: 2\n    examples: [这件是纯棉的吗]\n    answers:\n      - id: product_info.a\n        text: |-\n          " +
		strings.ReplaceAll(text, "\n", "\n          ") + "\n" + extra
}

// findingsOf lints a knowledge base and renders its findings.
func findingsOf(t *testing.T, y string) string {
	t.Helper()
	fs, err := KB([]byte(y), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return strings.Join(out, "\n")
}

// TestKBSpacedFirstWaiver: 销量第 一 is found at its column, and a waiver of 第一 waives it; that
// waiver was reported as waiving nothing ("remove it"), beside the unfound ranking.
func TestKBSpacedFirstWaiver(t *testing.T) {
	y := kbOf("亲，这款精华销量第 一", "")
	if got, want := findingsOf(t, y), "kb.yaml:12:19: intent product_info answer product_info.a: 第一: absolute term (绝对化用语, 广告法第九条第三项)"; got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	y = kbOf("亲，这款精华销量第 一", "        waive:\n          - term: 第一\n            reason: 品牌方年度销量榜（第三方报告）\n")
	if got := findingsOf(t, y); got != "" {
		t.Errorf("waived, still:\n%s", got)
	}
}

// TestTextMedical: a shop of food, cosmetics and health products claiming to treat or prevent a
// disease, or using medical terms, breaks 广告法第十七条 (and 第十八条 for health food); none of
// it was found, so 本品可预防感冒、抗癌、降血压 trained and served. Naming a device category,
// sending the customer to a doctor and preventing what is no disease stay accepted.
func TestTextMedical(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"坚持使用可以治疗痘痘", "治疗/medical@18"},
		{"本品可预防感冒、抗癌、降血压", "预防/medical@9 抗癌/medical@24 降血压/medical@33"},
		{"药用级原料，疗效显著", "药用/medical@0 疗效/medical@18"},
		{"常喝可以降血糖降血脂，消炎抗炎", "降血糖/medical@12 降血脂/medical@21 消炎/medical@33 抗炎/medical@39"},
		{"吃了能提高免疫力，预防骨质疏松", "提高免疫力/medical@9 预防/medical@27"},
		{"纯天然无副作用", "无副作用/promise@9"},
		{"纯天然無副作用", "无副作用/promise@9"}, // traditional script
		// accepted: a device's category, advice to see a doctor, prevention of no disease
		{"这款是家用理疗治疗仪，械字号备案", ""},
		{"身体不适请及时就医治疗，或到医院治疗", ""},
		{"为预防丢件，请当面签收；预防诈骗，请勿私下转账", ""},
		{"为预防炎热天气巧克力融化，我们加冰袋发货", ""},
		{"充电器带降压保护，降压模块输入 12V", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestTextOwnRangeAndDays: sentences every shop writes that rank nothing against others: a
// delivery estimate by day (as 最快 24 小时 already was), the largest size of the same goods,
// and effort (a service attitude, 执法指南第三条). Each was a finding. A comparison stays one.
func TestTextOwnRangeAndDays(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"现货最快明天发货，最慢后天到", ""},
		{"最快当天发出，最迟周五送达", ""},
		{"最大号是 XXL，最小码是 S", ""},
		{"我们会尽最大努力帮您，也会尽最大的努力补偿", ""},
		{"最快的充电宝", "最快/absolute@0"},
		{"全网最快明天到", "最快/absolute@6"},
		{"最大的品牌", "最大/absolute@0"},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestTextDisparage: belittling other sellers (广告法第十三条) was no finding: 别家都是假货，我们
// 吊打同行 trained and served. A derogatory word is a finding only said of another seller named
// in its clause; the shop's own assurance and a customer's complaint are not.
func TestTextDisparage(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"亲，别家都是假货，我们的品质吊打同行", "假货/disparage@18 吊打/disparage@42"},
		{"某宝上的都是山寨货哦", "山寨/disparage@18"},
		{"这款性能碾压同价位", "碾压/disparage@12"},
		{"本店绝无假货，假一赔十", ""},
		{"如果收到假货请联系我们", ""},
		{"和别家比，我们的售后更完善；请把垃圾袋放在门口", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestTextHiddenByEmoji: an emoji or a zero-width character put between a term's characters
// hides it from the lint, not from the customer: 全网最🔥低价 was the bare 最 at best, and 销量第
// ✨一, 保\u200b证有效 and 国🇨🇳家级 were no findings. They are read without them, and found at
// their place in the text; an emoji beside a term changes nothing.
func TestTextHiddenByEmoji(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"全网最🔥低价", "最低/absolute@6"},
		{"销量第✨一", "第一/absolute@6"},
		{"保\u200b证有效，國🇨🇳家級认证", "保证/promise@0 国家级/absolute@18"},
		{"最❤️好的面膜", "最好/absolute@0"},
		{"第一次下单🎁送券，最快明天发货🚚", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	// and at their column in the file, waived by the term's own name
	y := kbOf("亲，本店全网最🔥低价", "")
	if got, want := findingsOf(t, y), "kb.yaml:12:17: intent product_info answer product_info.a: 最低: absolute term (绝对化用语, 广告法第九条第三项)"; got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
}

// TestTextEnglish: the English a shop mixes into its answers ranks as 最佳 and 第一 do (the best
// choice, 销量 Best Seller, Number One); it went through while NO.1 was found. "best" alone is
// no finding: we do our best, best regards.
func TestTextEnglish(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"补水面膜，the best choice！", "the best/absolute@15"},
		{"天猫 Best Seller 同款", "best seller/absolute@7"},
		{"THE BEST 蓝牙耳机，Number One", "the best/absolute@0 number one/absolute@24"},
		{"We will do our best，best regards", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestTextPrice: a reference price set against the price (原价999现在只要99) and a time limit
// that never says when it ends (限时抢购) are the misleading price claims 广告法第二十八条 and
// the price-fraud rules name; both went through. 原价 with no price after it (按原价退款) and a
// limit with its end (限时优惠至 11 月 11 日 24 点) are accepted; a waiver states the basis.
func TestTextPrice(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"原价999现在只要99，限时抢购！", "原价/price@0 限时/price@26"},
		{"原价：¥999，现价 99", "原价/price@0"},
		{"限时秒杀，手慢无", "限时/price@0"},
		{"退款按原价原路退回，原价购买的商品可以价保", ""},
		{"限时优惠至 11 月 11 日 24 点；今晚 24 点前限时抢购；限时到明天", ""},
		// the end said in the next sentence; a time of something else there is no end
		{"限时抢购！活动截止到 11 月 11 日 24 点。", ""},
		{"限时特价。优惠到本周日为止", ""},
		{"限时抢购！下单后 48 小时内发货。", "限时/price@0"},
		{"限时抢购。我们明天发货。活动 11 月 11 日结束", "限时/price@0"},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestKBPositionsOutsideLiteralBlocks: a finding in a folded block (text: >-), in a plain or
// quoted scalar over several lines, or after an escape is named at its own line and column.
// Each was named where its scalar starts — every finding of a folded answer at its header
// line, so the line a shop had to reword was not the one named.
func TestKBPositionsOutsideLiteralBlocks(t *testing.T) {
	const head = "shop: 测试店\nversion: 1\nintents:\n  - id: p\n    label: 商品咨询\n    category: 咨询\n" +
		"    priority: 2\n    examples: [这件是纯棉的吗]\n    answers:\n      - id: p.a\n        text: "
	for _, c := range []struct{ why, text, want string }{
		{"folded", ">-\n          亲，这款面膜是独家配方，\n          最好用的补水面膜，the best choice！\n",
			"12:18 独家|13:11 最好|13:20 the best"},
		{"plain over two lines", "亲，这款面膜是独家配方，\n          全网最低价\n", "11:22 独家|12:13 最低"},
		{"double-quoted, escapes", "\"亲，本店\\\"顶级\\\"品质\\n第一名，最好\"\n", "11:22 顶级|11:30 第一|11:34 最好"},
		{"single-quoted, escapes", "'亲，It''s the best，全网最低'\n", "11:24 the best|11:35 最低"},
		{"the second of a term", ">-\n          最低 99 元起，\n          全网最低\n", "13:13 最低"},
	} {
		fs, err := KB([]byte(head+c.text), "kb.yaml")
		if err != nil {
			t.Fatalf("%s: %v", c.why, err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%d:%d %s", f.Line, f.Column, f.Term))
		}
		if strings.Join(got, "|") != c.want {
			t.Errorf("%s: %v, want %s", c.why, got, c.want)
		}
	}
}

// TestTextFoodAndElectronics: what a food and electronics shop writes every day and ranks
// nothing: a food label's 最佳赏味期, storage advice (，最好冷藏), a battery's 100%, a travel
// adapter's name, data deleted for good. Each was a finding; the claims beside them stay ones.
func TestTextFoodAndElectronics(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"本品最佳赏味期为出厂后30天，最佳食用期内口感更好", ""},
		{"请存放于阴凉处，最好冷藏；开封后最好冷藏保存", ""},
		{"请充满电至 100% 后再使用，电量显示100%但充不进", ""},
		{"这款万能转换插头支持多国标准", ""},
		{"账号注销后数据将永久删除，永久无法恢复", ""},
		{"最佳口感，这款最好用，最好看的颜色", "最佳/absolute@0 最好/absolute@21 最好/absolute@33"},
		{"100%好评，积分永久有效，万能充电线", "100%/absolute@0 永久/absolute@19 万能/absolute@34"},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestTextUniqueIdentifier: 唯一 said of a code, a number or a link is no absolute claim; said of
// the shop or the goods it is.
func TestTextUniqueIdentifier(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"兑换码是唯一的，请勿泄露", ""},
		{"每个订单号唯一，请核对", ""},
		{"这是您的唯一标识，请保存", ""},
		{"本店是全网唯一授权店", "唯一/absolute@15"},
		{"唯一正品渠道", "唯一/absolute@0"},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
