package nlp

import (
	"testing"
)

// TestMaskSpokenNumbers holds personal data as WeChat's voice-to-text writes it down: the groups
// read out with the speaker's pauses, fillers and 的 between them. Each must be masked whole, and
// the numbers of ordinary speech around such words left alone.
func TestMaskSpokenNumbers(t *testing.T) {
	f := maskCheck(t)
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
	// an ID number's check x read out as 叉
	f("身份证号幺幺零幺零五幺九四九幺二三幺零六幺叉", "身份证号<IDCARD>", "idcard")
	f("身份证号11010519491231061叉", "身份证号<IDCARD>", "idcard")
	// a QQ number read out, alone or as its mailbox
	f("我QQ是幺二三四五六七八九", "我qq是<ACCOUNT>", "account")
	f("qq号码 幺二三 四五六 七八九 加我", "qq号码 <ACCOUNT> 加我", "account")
	f("我的QQ邮箱是幺二三四五六七八九", "我的qq邮箱是<EMAIL>", "email")
	f("邮箱幺二三四五六七八九艾特qq点com", "邮箱<EMAIL>", "email")
	f("发到一二三四五六七八九@qq.com", "发到<EMAIL>", "email")
	// a house number read out: 幺 for one, 千, and a unit numbered 一 after the building's number
	f("杭州市西湖区文三路幺零零号", "杭州市西湖区<ADDR>", "address")
	f("地址是文一西路一千八百八十八号", "地址是<ADDR>", "address")
	f("地址 幸福小区三栋一单元五零二室", "地址 <ADDR>", "address")
	f("住在阳光花园二号楼两单元幺零幺", "住在<ADDR>", "address")
	// a name read out with a pause after the surname, after a cue that introduces a name
	f("我叫李 建国", "我叫<NAME>", "name")
	f("姓名 王 秀 英 电话 幺三八幺二三四五六七八", "姓名 <NAME> 电话 <PHONE>", "phone", "name")
	f("联系人 刘 德华 手机", "联系人 <NAME> 手机", "name")
	f("收件人 王 电话幺三八幺二三四五六七八", "收件人 王 电话<PHONE>", "phone")
	f("我叫王 麻烦快点发货", "我叫王 麻烦快点发货")
	// what is no phone, ID or card stays: a list, amounts, a date, an order's groups
	f("买了三件的一百二十块", "买了三件的一百二十块")
	f("尺码41的42的43的44", "尺码41的42的43的44")
	f("价格199。299。399", "价格199。299。399")
	f("二零二六年十二月七号的", "二零二六年十二月七号的")
	f("订单号 2026 嗯 1207 嗯 3344", "订单号 2026 嗯 1207 嗯 3344")
	f("三对二赢了", "三对二赢了")
	f("我qq是一个好软件", "我qq是一个好软件")
	f("qq号码是五位数的", "qq号码是五位数的")
	f("小区两栋楼之间", "小区两栋楼之间")
	f("街一条都是卖衣服的", "街一条都是卖衣服的")
}
