package nlp

import (
	"slices"
	"testing"
)

// TestMaskAddressesAndNames holds street addresses and names as customers give them (from the
// sample shop's chats and the stress set's personal-data style), and the look-alikes that must
// stay: a region alone, a date, a floor, a road without a number, a verb, a description.
func TestMaskAddressesAndNames(t *testing.T) {
	tests := []struct {
		in, want string
		kinds    []string
	}{
		// addresses: the road or building and its numbers go, the region stays
		{"地址改成：上海市浦东新区张江路100弄5号302，收件人李华", "地址改成:上海市浦东新区<ADDR>,收件人<NAME>", []string{"address", "name"}},
		{"帮我改下地址：浙江省杭州市西湖区文三路258号3幢1单元", "帮我改下地址:浙江省杭州市西湖区<ADDR>", []string{"address"}},
		{"哪天能到 地址是山东省济南市天桥区北园大街56号", "哪天能到 地址是山东省济南市天桥区<ADDR>", []string{"address"}},
		{"广州市天河区体育西路 某某花园3栋1502 门牌号写错了", "广州市天河区体育西路 <ADDR> 门牌号写错了", []string{"address"}},
		{"改成 浙江省杭州市西湖区文三路 88号 3单元 502", "改成 浙江省杭州市西湖区<ADDR>", []string{"address"}},
		{"石家庄市桥西区 自强路 某某小区 2单元 301 电话不变", "石家庄市桥西区 自强路 <ADDR> 电话不变", []string{"address"}},
		{"就小区门口的菜鸟驿站 幸福路88号", "就小区门口的菜鸟驿站 <ADDR>", []string{"address"}},
		{"改到北京市通州区某某小区五号楼", "改到北京市通州区<ADDR>", []string{"address"}},
		{"杭州市滨江区 网商路 某某大厦 A座 12楼", "杭州市滨江区 网商路 <ADDR>", []string{"address"}},
		{"亲，是您小区3号楼旁边的快递柜", "亲,是您<ADDR>旁边的快递柜", []string{"address"}},
		{"寄到幸福路8号吧", "寄到<ADDR>吧", []string{"address"}},
		{"宁波市海曙区中山西路88号 0574-87654321", "宁波市海曙区<ADDR> <PHONE>", []string{"phone", "address"}},
		// not addresses
		{"11号能到吗", "11号能到吗", nil},
		{"我在新疆乌鲁木齐,运费多少", "我在新疆乌鲁木齐,运费多少", nil},
		{"寄到成都高新区要几天", "寄到成都高新区要几天", nil},
		{"我住在朝阳路附近", "我住在朝阳路附近", nil},
		{"双11路由器3号发货吗", "双11路由器3号发货吗", nil},
		{"快递放5楼门口", "快递放5楼门口", nil},
		{"侬帮我弄一弄 我勿会", "侬帮我弄一弄 我勿会", nil},
		{"小区两栋楼都没收到", "小区两栋楼都没收到", nil},
		{"这条街一号就关门了", "这条街一号就关门了", nil},
		// names, after a word that introduces one
		{"我是收件人刘强，身份证号440106199512123458", "我是收件人<NAME>,身份证号<IDCARD>", []string{"idcard", "name"}},
		{"你好，我是王芳，手机号13923456789", "你好,我是<NAME>,手机号<PHONE>", []string{"phone", "name"}},
		{"我是王芳手机号13923456789", "我是<NAME>手机号<PHONE>", []string{"phone", "name"}},
		{"联系人张伟 13812348765", "联系人<NAME> <PHONE>", []string{"phone", "name"}},
		{"订单号我不知道 收货人叫张桂兰 电话不变", "订单号我不知道 收货人叫<NAME> 电话不变", []string{"name"}},
		{"收货人 吴强 电话不变", "收货人 <NAME> 电话不变", []string{"name"}},
		{"姓名：李四", "姓名:<NAME>", []string{"name"}},
		{"名字是欧阳娜娜。", "名字是<NAME>。", []string{"name"}},
		{"显示名字是张某某 我叫何丽", "显示名字是<NAME> 我叫<NAME>", []string{"name"}},
		// not names
		{"收件人名字写错了", "收件人名字写错了", nil},
		{"收件人是我老婆", "收件人是我老婆", nil},
		{"我是新用户", "我是新用户", nil},
		{"我是会员,手机号<PHONE>", "我是会员,手机号<PHONE>", nil},
		{"我是张家港的", "我是张家港的", nil},
		{"我叫小明", "我叫小明", nil},
		{"姓名和电话都要改", "姓名和电话都要改", nil},
	}
	for _, tt := range tests {
		got, set := Mask(Normalize(tt.in))
		if got != tt.want || !slices.Equal(set.Kinds(), tt.kinds) {
			t.Errorf("Mask(Normalize(%q)) = %q %v, want %q %v", tt.in, got, set.Kinds(), tt.want, tt.kinds)
		}
		if again, _ := Mask(got); again != got {
			t.Errorf("Mask is not idempotent on %q: %q", got, again)
		}
	}
}

// TestMaskExceptAddressAndName keeps the new kinds when asked to, as every other kind.
func TestMaskExceptAddressAndName(t *testing.T) {
	in := "收件人李华 幸福路8号"
	if got, set := MaskExcept(in, MaskAddress, MaskName); got != in || set != 0 {
		t.Errorf("MaskExcept(%q, address, name) = %q %v, want it unchanged", in, got, set.Kinds())
	}
	if got, _ := MaskExcept(in, MaskName); got != "收件人李华 <ADDR>" {
		t.Errorf("MaskExcept(%q, name) = %q", in, got)
	}
}

// TestMaskTraditional: the decision log, training data and feedback comments mask text that is
// normalised but not folded (store.MaskText is Mask(Normalize(s))), so an address or a name
// typed in traditional script must be found as it is typed, not only after Fold.
func TestMaskTraditional(t *testing.T) {
	tests := []struct{ in, want string }{
		{"地址改成文三路100號", "地址改成<ADDR>"},
		{"寄到某某花園3棟1502", "寄到<ADDR>"},
		{"台北市大安區某某小區3號樓2單元501", "台北市大安區<ADDR>"},
		{"高雄市某某廣場5號", "高雄市<ADDR>"},
		{"收件人陳偉 電話不變", "收件人<NAME> 電話不變"},
		{"聯繫人劉德華", "聯繫人<NAME>"},
		{"我叫歐陽娜娜", "我叫<NAME>"},
		{"收貨人張偉手機號", "收貨人<NAME>手機號"},
		// and what stays in simplified stays in traditional
		{"11號能到嗎", "11號能到嗎"},
		{"小區兩棟樓都沒收到", "小區兩棟樓都沒收到"},
		{"收件人名字寫錯了", "收件人名字寫錯了"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
		if got, _ := Mask(normalFold(tt.in)); got != normalFold(tt.want) && !(tt.want == tt.in && got == normalFold(tt.in)) {
			t.Errorf("Mask(normalFold(%q)) = %q, want %q", tt.in, got, normalFold(tt.want))
		}
	}
}

// TestMaskNameChanged: a name given as the change asked for (收件人改成张伟, the most common way to
// correct a recipient) or as the name it replaces (收件人李华改成张伟) is a name after its cue.
func TestMaskNameChanged(t *testing.T) {
	tests := []struct{ in, want string }{
		{"收件人改成张伟", "收件人改成<NAME>"},
		{"麻烦收货人改为李华，电话不变", "麻烦收货人改为<NAME>,电话不变"},
		{"收件人名字改成王小明", "收件人名字改成<NAME>"},
		{"收件人换成欧阳娜娜", "收件人换成<NAME>"},
		{"收件人写成张伟 电话没错", "收件人写成<NAME> 电话没错"},
		{"收件人李华改成张伟", "收件人<NAME>改成<NAME>"},
		// a change that is no name stays
		{"收件人改成我老婆", "收件人改成我老婆"},
		{"颜色改成黄色", "颜色改成黄色"},
		{"地址改成黄浦区", "地址改成黄浦区"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskNameEnds: a name ends before a sentence's particle (我叫王小明啊, 收件人写成张伟了), and a
// place or a trade after 我是 is no name (我是苏州的, 我是郑州人, 我是程序员): particles, 的, 人 and
// the administrative levels are not characters of a given name.
func TestMaskNameEnds(t *testing.T) {
	tests := []struct{ in, want string }{
		{"我叫王小明啊", "我叫<NAME>啊"},
		{"你好我是王芳呀", "你好我是<NAME>呀"},
		{"我叫李华哦", "我叫<NAME>哦"},
		{"收件人写成张伟了", "收件人写成<NAME>了"},
		{"收件人换成欧阳娜娜吧", "收件人换成<NAME>吧"},
		{"我是陆小姐", "我是<NAME>"},
		{"你是说我是王芳吗", "你是说我是<NAME>吗"},
		// descriptions
		{"我是苏州的", "我是苏州的"},
		{"我是吴江的", "我是吴江的"},
		{"我是郑州人,能发货吗", "我是郑州人,能发货吗"},
		{"我是黄山的", "我是黄山的"},
		{"我是程序员", "我是程序员"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskAddressNumbers: house numbers as customers type them after a road or a building — a
// village's group (某某村5组12号), # for 号 (幸福路12#, 3#楼), building-unit-room joined by dashes
// (某某小区3-2-501) — are part of the address; a dash between numbers that count something is not.
func TestMaskAddressNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"地址：河南省周口市某某县某某镇某某村5组12号", "地址:河南省周口市某某县某某镇<ADDR>"},
		{"寄到某某村三组", "寄到<ADDR>"},
		{"幸福路12#", "<ADDR>"},
		{"某某小区3#楼2单元501", "<ADDR>"},
		{"家住幸福小区3-2-501", "家住<ADDR>"},
		{"幸福小区 3-2-501 电话不变", "<ADDR> 电话不变"},
		{"幸福小区12-301室", "<ADDR>"},
		// a road's section and lanes, as addresses in Taiwan (and some elsewhere) are written:
		// the road's numbers before the house number stayed in the text
		{"地址：台北市信義路五段7號 改一下地址", "地址:台北市<ADDR> 改一下地址"},
		{"寄到信义路五段7号", "寄到<ADDR>"},
		{"中山北路一段45巷3弄12号", "<ADDR>"},
		{"中山北路二段45巷3弄12号4楼", "<ADDR>"},
		{"民生东路3段128号", "<ADDR>"},
		// a space between a number and its unit, as the number and the road are set apart
		{"新地址 西湖区 文三路 100 号", "新地址 西湖区 <ADDR>"},
		{"幸福小区 3 栋 2 单元 501", "<ADDR>"},
		{"文三路 100 号 3 幢", "<ADDR>"},
		// not addresses
		{"文三路 100 个人排队", "文三路 100 个人排队"},
		{"中山北路二段附近有店吗", "中山北路二段附近有店吗"},
		{"这条路五段都在修", "这条路五段都在修"},
		{"小区3-5天能到吗", "小区3-5天能到吗"},
		{"幸福路3-5号都没人", "<ADDR>都没人"},
		{"社区3组团购", "社区3组团购"},
		{"买了花园3组盆栽", "买了花园3组盆栽"},
		{"二号线地铁站", "二号线地铁站"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskNameWordSurname: after a word that can only introduce a name (收件人, 联系人, 姓名,
// 我叫, a change of recipient), surnames that are also words (高, 金, 方, 白, 江 — 高 alone is
// among the twenty commonest) begin a name too; after 我是 they still begin a description.
func TestMaskNameWordSurname(t *testing.T) {
	tests := []struct{ in, want string }{
		{"收件人高明 电话不变", "收件人<NAME> 电话不变"},
		{"联系人金晓燕13812348765", "联系人<NAME><PHONE>"},
		{"姓名:方圆", "姓名:<NAME>"},
		{"我叫白雪,订单发错了", "我叫<NAME>,订单发错了"},
		{"收件人改成江涛", "收件人改成<NAME>"},
		// descriptions and words after the cues
		{"我是高手", "我是高手"},
		{"我是白领", "我是白领"},
		{"收件人白天不在家", "收件人白天不在家"},
		{"收件人尚未签收", "收件人尚未签收"},
		{"收件人关机了", "收件人关机了"},
		{"联系人常用手机", "联系人常用手机"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskMetroLine: a metro line after a road's or a square's name (人民路 2 号线, the station a
// customer lives near) was masked as a house number; it stays. The house numbers beside it, and
// a 号 followed by 线上 or 线下 (online, offline: a shop's address), stay masked.
func TestMaskMetroLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"人民路 2 号线", "人民路 2 号线"},
		{"人民路2号线", "人民路2号线"},
		{"人民路 2 號線", "人民路 2 號線"},
		{"住在世纪大道2号线旁边", "住在世纪大道2号线旁边"},
		{"人民广场 2号线换乘", "人民广场 2号线换乘"},
		{"人民路十二号线出口", "人民路十二号线出口"},
		{"地铁2号线", "地铁2号线"},
		// house numbers stay masked
		{"人民路2号", "<ADDR>"},
		{"人民路2号 地铁2号线旁", "<ADDR> 地铁2号线旁"},
		{"人民路12号线下店", "<ADDR>线下店"},
		{"文三路100号线下体验店", "<ADDR>线下体验店"},
		{"某某花园3栋1502 离2号线近", "<ADDR> 离2号线近"},
	}
	for _, tt := range tests {
		if got, _ := Mask(Normalize(tt.in)); got != tt.want {
			t.Errorf("Mask(Normalize(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
