package nlp

import (
	"slices"
	"testing"
)

// TestMaskSpokenNumbers holds personal data as WeChat's voice-to-text writes it down: the groups
// read out with the speaker's pauses, fillers and 的 between them. Each must be masked whole, and
// the numbers of ordinary speech around such words left alone.
func TestMaskSpokenNumbers(t *testing.T) {
	f := func(in, want string, kinds ...string) {
		t.Helper()
		got, set := Mask(Normalize(in))
		if got != want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", in, got, want)
		}
		if len(kinds) == 0 {
			kinds = nil
		}
		if !slices.Equal(set.Kinds(), kinds) {
			t.Errorf("Mask(Normalize(%q)) kinds = %v, want %v", in, set.Kinds(), kinds)
		}
	}
	// a pause written as a full stop, a dash said as 杠
	f("电话幺三八。幺二三四。五六七八", "电话<PHONE>", "phone")
	f("幺三八杠幺二三四杠五六七八", "<PHONE>", "phone")
	// fillers between the groups, alone, repeated, with and without spaces, in numerals or digits
	f("幺三九 嗯 幺二三四 嗯 五六七八 这是我电话 快递到哪了", "<PHONE> 这是我电话 快递到哪了", "phone")
	f("电话号码是 幺五九 嗯 八八 六六 七七 五五 然后那个快递一直不派送", "电话号码是 <PHONE> 然后那个快递一直不派送", "phone")
	f("幺三八 嗯嗯 幺二三四 呃 五六七八", "<PHONE>", "phone")
	f("幺三八 那个 幺二三四 就是 五六七八", "<PHONE>", "phone")
	f("一三八 然后 一二三四 五六七八", "<PHONE>", "phone")
	f("幺三八 对 幺二三四 对对 五六七八", "<PHONE>", "phone")
	f("幺三八啊幺二三四啊五六七八", "<PHONE>", "phone")
	f("138 嗯 1234 嗯 5678", "<PHONE>", "phone")
	f("138嗯，1234，嗯5678", "<PHONE>", "phone")
	f("应该是幺三八的幺二三四的五六七八", "应该是<PHONE>", "phone")
	f("我身份证是三三零幺零二 嗯 幺九五零零幺零幺 幺二三六", "我身份证是<IDCARD>", "idcard")
	f("卡号六二二二 嗯 零二零二 零零零幺 二三四五 六七零", "卡号<BANKCARD>", "bankcard")
	// what is no phone, ID or card stays: a list, amounts, a date, an order's groups
	f("买了三件的一百二十块", "买了三件的一百二十块")
	f("尺码41的42的43的44", "尺码41的42的43的44")
	f("价格199。299。399", "价格199。299。399")
	f("二零二六年十二月七号的", "二零二六年十二月七号的")
	f("订单号 2026 嗯 1207 嗯 3344", "订单号 2026 嗯 1207 嗯 3344")
	f("三对二赢了", "三对二赢了")
}
