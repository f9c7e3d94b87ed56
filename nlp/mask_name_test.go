package nlp

import (
	"strings"
	"testing"
)

// TestMaskNameInShippingBlock: a shipping block (address, name, phone in any order) gives the
// name without a cue; the name beside the phone is masked there, and only there.
func TestMaskNameInShippingBlock(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"新地址：广东省深圳市南山区科技园南路15号 李华 18698765432", "新地址:广东省深圳市南山区<ADDR> <NAME> <PHONE>"},
		{"李华 18698765432 广东省深圳市南山区科技园南路15号", "<NAME> <PHONE> 广东省深圳市南山区<ADDR>"},
		{"寄到杭州市西湖区文三路100号，王小明，13812345678", "寄到杭州市西湖区<ADDR>,<NAME>,<PHONE>"},
		{"杭州市西湖区文三路100号 欧阳娜娜13812345678", "杭州市西湖区<ADDR> <NAME><PHONE>"},
		{"杭州市西湖区文三路100号 13812345678 张伟", "杭州市西湖区<ADDR> <PHONE> <NAME>"},
		// no address: a name beside a phone alone is a contact's (it was kept in the decision
		// log, comments and alerts); a word beginning with a surname, or a sentence ending in a
		// name, is not masked
		{"张三 13812345678", "<NAME> <PHONE>"},
		{"王小明，138-1234-5678", "<NAME>,<PHONE>"},
		{"13812345678 欧阳娜娜 麻烦改一下", "<PHONE> <NAME> 麻烦改一下"},
		{"收件人换一下 刘女士 13812345678", "收件人换一下 <NAME> <PHONE>"},
		{"周一 13812345678 打给我", "周一 <PHONE> 打给我"},
		{"电话 13812345678", "电话 <PHONE>"},
		{"手机号 13812345678 谢谢", "手机号 <PHONE> 谢谢"},
		{"麻烦联系张三 13812345678", "麻烦联系张三 <PHONE>"},
		{"13812345678 黄金", "<PHONE> 黄金"},
		// a colon between, as a contact is written (张三：138…), and the words that lead into
		// a phone that way stay
		{"张三：13812345678", "<NAME>:<PHONE>"},
		{"收货 王小明: 138 1234 5678", "收货 <NAME>: <PHONE>"},
		{"电话：13812345678", "电话:<PHONE>"},
		{"手机号:13812345678", "手机号:<PHONE>"},
		{"联系方式：13812345678", "联系方式:<PHONE>"},
		// a word that is no name beside the phone stays
		{"文三路100号 电话13812345678", "<ADDR> 电话<PHONE>"},
		{"文三路100号 快递13812345678", "<ADDR> 快递<PHONE>"},
		// words a customer writes beside a pasted block that begin with a surname stay: when to
		// deliver, thanks, urgency (周 马 谢 付 何 任 are surnames)
		{"杭州市西湖区文三路100号 周一 13812345678", "杭州市西湖区<ADDR> 周一 <PHONE>"},
		{"文三路100号 13812345678 周末到", "<ADDR> <PHONE> 周末到"},
		{"文三路100号 13812345678 周日送", "<ADDR> <PHONE> 周日送"},
		{"文三路100号 13812345678 黄色 L码", "<ADDR> <PHONE> 黄色 l码"},
		{"文三路100号 13812345678 毛衣", "<ADDR> <PHONE> 毛衣"},
		// the separators of a block pasted from an order page
		{"李华/18698765432/广东省深圳市南山区科技园南路15号", "<NAME>/<PHONE>/广东省深圳市南山区<ADDR>"},
		{"李华、18698765432、科技园南路15号", "<NAME>、<PHONE>、<ADDR>"},
		{"李华;18698765432;科技园南路15号", "<NAME>;<PHONE>;<ADDR>"},
		{"周六 13812345678 文三路100号", "周六 <PHONE> <ADDR>"},
		{"文三路100号 13812345678 谢谢", "<ADDR> <PHONE> 谢谢"},
		{"文三路100号 13812345678 马上发", "<ADDR> <PHONE> 马上发"},
		{"文三路100号 13812345678 付款", "<ADDR> <PHONE> 付款"},
		{"文三路100号 13812345678 何时到", "<ADDR> <PHONE> 何时到"},
		{"文三路100号 13812345678 任何", "<ADDR> <PHONE> 任何"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}

// TestMaskLatinName: a name in Latin letters after a word that introduces nothing but a name
// (收件人:Zhang San, pinyin or a name abroad) was kept; after 我是 or a product's 名字 the
// letters are a description or a brand.
func TestMaskLatinName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"收件人：Zhang San", "收件人:<NAME>"},
		{"收件人:Tom 电话不变", "收件人:<NAME> 电话不变"},
		{"联系人 li lei，13812345678", "联系人 <NAME>,<PHONE>"},
		{"姓名 wang xiao ming", "姓名 <NAME>"},
		{"我叫Lucy", "我叫<NAME>"},
		// not names
		{"我是vip会员", "我是vip会员"},
		{"这款名字nike的是正品吗", "这款名字nike的是正品吗"},
		{"收件人 a", "收件人 a"},
		{"收件人写错了", "收件人写错了"},
		{"联系人 abc123", "联系人 abc123"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}

// TestMaskBlockNameNotGoods: beside a phone, where no cue says a name follows, a word that
// begins with a surname's character but names goods or makes a phrase (毛巾, 马丁靴, 钱没到) was
// masked as a name; it stays. Names beside a phone, the same surnames among them, stay masked.
func TestMaskBlockNameNotGoods(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"毛巾 13812345678", "毛巾 <PHONE>"},
		{"13812345678 毛巾", "<PHONE> 毛巾"},
		{"文三路100号 13812345678 毛巾", "<ADDR> <PHONE> 毛巾"},
		{"马丁靴 13812345678", "马丁靴 <PHONE>"},
		{"馬丁靴 13812345678", "馬丁靴 <PHONE>"},
		{"燕麦色 13812345678", "燕麦色 <PHONE>"},
		{"焦味 13812345678", "焦味 <PHONE>"},
		{"付个款 13812345678", "付个款 <PHONE>"},
		{"钱没到 13812345678", "钱没到 <PHONE>"},
		{"13812345678 辛苦", "<PHONE> 辛苦"},
		{"郁闷 13812345678", "郁闷 <PHONE>"},
		{"任选 13812345678", "任选 <PHONE>"},
		{"莫得 13812345678", "莫得 <PHONE>"},
		{"付個款 13812345678", "付個款 <PHONE>"},
		{"錢沒到 13812345678", "錢沒到 <PHONE>"},
		// names with the same surnames stay masked
		{"毛小明 13812345678", "<NAME> <PHONE>"},
		{"马丁 13812345678", "<NAME> <PHONE>"},
		{"燕青 13812345678", "<NAME> <PHONE>"},
		{"钱多多，13812345678", "<NAME>,<PHONE>"},
		{"13812345678 辛雨", "<PHONE> <NAME>"},
		{"任静 13812345678", "<NAME> <PHONE>"},
		{"莫小贝 13812345678", "<NAME> <PHONE>"},
		{"黄小姐 13812345678", "<NAME> <PHONE>"},
		{"陳美玲 13812345678", "<NAME> <PHONE>"},
		// after a cue a name stays a name, whatever its characters
		{"收件人毛巾", "收件人<NAME>"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}

// TestMaskLatinProductWord: after 姓名 or 收件人 a Latin word that is a product's, a brand's or
// chat's (姓名 iphone) was masked as a name; it stays, and a name before or after it is still one.
func TestMaskLatinProductWord(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"姓名 iphone", "姓名 iphone"},
		{"姓名iphone", "姓名iphone"},
		{"姓名 iPhone 15 手机壳刻字", "姓名 iphone 15 手机壳刻字"},
		{"收件人 iphone 的壳", "收件人 iphone 的壳"},
		{"联系人：OPPO", "联系人:oppo"},
		{"收件人 ok", "收件人 ok"},
		// names stay masked
		{"姓名 Tom", "姓名 <NAME>"},
		{"收件人 tom iphone", "收件人 <NAME> iphone"},
		{"收件人:Zhang San iPhone 15", "收件人:<NAME> iphone 15"},
		{"姓名 wang xiao ming", "姓名 <NAME>"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}

// TestLatinWordsAreNoPinyin: a word of latinWords ends a Latin name, so none may spell pinyin, the
// way a Chinese name is written in Latin letters (nike is ni ke, 倪科): that name would leak.
func TestLatinWordsAreNoPinyin(t *testing.T) {
	for _, w := range latinWords {
		if syl := pinyinTable().split(w, nil); len(syl) > 0 || w != strings.ToLower(w) {
			t.Errorf("latinWords has %q: it reads as pinyin (%d syllables) or is not lower case", w, len(syl))
		}
	}
}
