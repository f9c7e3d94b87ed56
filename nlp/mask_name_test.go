package nlp

import "testing"

// TestMaskNameInShippingBlock: a shipping block (address, name, phone in any order) gives the
// name without a cue; the name beside the phone is masked there, and only there.
func TestMaskNameInShippingBlock(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"新地址：广东省深圳市南山区科技园南路15号 李华 18698765432", "新地址:广东省深圳市南山区<ADDR> <NAME> <PHONE>"},
		{"李华 18698765432 广东省深圳市南山区科技园南路15号", "<NAME> <PHONE> 广东省深圳市南山区<ADDR>"},
		{"寄到杭州市西湖区文三路100号，王小明，13812345678", "寄到杭州市西湖区<ADDR>,<NAME>,<PHONE>"},
		{"杭州市西湖区文三路100号 欧阳娜娜13812345678", "杭州市西湖区<ADDR> <NAME><PHONE>"},
		{"杭州市西湖区文三路100号 13812345678 张伟", "杭州市西湖区<ADDR> <PHONE> <NAME>"},
		// no address: a surname beside a phone is not enough
		{"周一 13812345678 打给我", "周一 <PHONE> 打给我"},
		// a word that is no name beside the phone stays
		{"文三路100号 电话13812345678", "<ADDR> 电话<PHONE>"},
		{"文三路100号 快递13812345678", "<ADDR> 快递<PHONE>"},
	} {
		if got, _ := Mask(Normalize(c.in)); got != Normalize(c.want) {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", c.in, got, Normalize(c.want))
		}
	}
}
