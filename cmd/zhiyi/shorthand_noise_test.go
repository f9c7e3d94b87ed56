package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shorthandFixture writes a dictionary directory (快递: kd) and an export of msgs, one JSON line each.
func shorthandFixture(t *testing.T, msgs []string) (data, dict string) {
	t.Helper()
	dir := t.TempDir()
	dict = filepath.Join(dir, "dict")
	if err := os.MkdirAll(dict, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dict, "shorthand.txt"), []byte("快递: kd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dict, "userdict.txt"), []byte("运费险 2000 n\n极兔 2000 n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range msgs {
		lines = append(lines, `{"text":"`+m+`"}`)
	}
	data = filepath.Join(dir, "chats.jsonl")
	if err := os.WriteFile(data, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return data, dict
}

func TestShorthandSkipsNoise(t *testing.T) {
	var msgs []string
	for _, m := range []string{
		"单号JT1234567890123怎么不动了", "JT1234567890124 到哪了", "查下jt1234567890125", // tracking-number letters
		"type-c接口有吗", "要type-c的", "type-c线呢", // model numbers
		"ab-100有货吗", "ab-100还有吗", "AB-100什么时候到",
		"还有250 ml的吗", "要 ml 的", "这个 ml 多少", // units apart from their number
		"几 kg", "多少 kg", "净重 kg",
		"xxl有吗", "换xxl吧", "xxl还有吗", // sizes
		"买xs还是s", "xs有货吗", "xs呢",
		"我电话 PHONE 打我", "PHONE", "手机 PHONE", // a masked value left bare by the export
		"hi 客服", "hi 在吗", "hi 请问",
		"能印logo吗", "logo是谁设计的", "logo歪了",
		"nike有货吗", "nike的鞋", "是nike吗",
		"能用qq钱包付吗", "qq登录不了", "qq号忘了",
		"印 zw&ly 两个字母", "刻 zw&ly", "zw&ly 可以吗", // a couple's initials
		"yfx怎么买", "有yfx吗", "yfx包含吗",
	} {
		msgs = append(msgs, m)
	}
	data, dict := shorthandFixture(t, msgs)
	code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "运费险: yfx\n") {
		t.Errorf("the real shorthand yfx is missing:\n%s", out)
	}
	for _, tok := range []string{"jt", "type", "ab", "ml", "kg", "xxl", "xs", "phone", "hi", "logo", "nike", "qq", "zw", "ly"} {
		if strings.Contains(out, "\n# "+tok+":") {
			t.Errorf("%q is listed as shorthand:\n%s", tok, out)
		}
	}
}

func TestShorthandExamplesHidePersonalData(t *testing.T) {
	// The masker knows phones, cards and order numbers, not QQ numbers, WeChat ids or addresses: an
	// example is the token's neighbourhood, with its long numbers and ids hidden.
	for msg, pii := range map[string]string{
		"收货地址是沈阳市和平区南京南街某某小区3单元401室 请问有yfx吗": "南京南街",
		"yfx怎么买 我qq 123456789 加我":            "123456789",
		"yfx包含吗 微信号 wxid_abc123def 加一下":      "abc123def",
	} {
		data, dict := shorthandFixture(t, []string{msg, "yfx呢", "有yfx吗"})
		code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(out, "# yfx: 3 messages") {
			t.Fatalf("yfx not counted:\n%s", out)
		}
		if strings.Contains(out, pii) {
			t.Errorf("an example shows %q:\n%s", pii, out)
		}
	}
}

func TestShorthandRefusesEmptyExports(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.jsonl")
	gbk := filepath.Join(dir, "gbk.jsonl")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// {"text":"快递"} in GBK
	if err := os.WriteFile(gbk, []byte("{\"text\":\"\xbf\xec\xb5\xdd\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, dict := shorthandFixture(t, []string{"kd"})
	for path, want := range map[string]string{empty: "no customer message kept from " + empty, gbk: gbk + ":1: not UTF-8"} {
		code, out, stderr := runCLI(t, "", "shorthand", "--data", path, "--dict", dict)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr lacks %q:\n%s\nstdout:\n%s", path, code, want, stderr, out)
		}
	}
}

func TestShorthandSkipsWhatTheDictionariesKnow(t *testing.T) {
	data, dict := shorthandFixture(t, []string{
		"hh 好的", "hh", "好的hh", // a stop word
		"okk 好的", "okk", "好的okk", // a stop word written in capitals
		"fahuo了吗", "什么时候fahuo", "fahuo没", // typed pinyin restored to 发货
		"有现huo吗", "现huo呢", "还有现huo不", // and to 现货
		"YFX有吗", "Yfx呢", "ｙｆｘ怎么买", // a variant written in traditional script and capitals
		"yhq咋领", "有yhq吗", "yhq呢", // a real one
	})
	write := func(name, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dict, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("stopwords.txt", "hh\nOKK\n")
	write("userdict.txt", "发货 3000 v\n现货 2000 n\n优惠券 2000 n\n")
	write("shorthand.txt", "快递: kd\n運費險: YFX\n")
	code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "优惠券: yhq\n") {
		t.Errorf("yhq is missing:\n%s", out)
	}
	for _, tok := range []string{"hh", "okk", "fahuo", "huo", "yfx"} {
		if strings.Contains(out, "\n# "+tok+":") {
			t.Errorf("%q is listed though the dictionaries know it:\n%s", tok, out)
		}
	}
}
