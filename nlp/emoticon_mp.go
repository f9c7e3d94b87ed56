package nlp

import "strings"

// A 公众号 (WeChat official account) receives WeChat's classic faces in a message's Content as
// the old escape codes, not as the bracketed names WeCom and 微信客服 deliver: 谢谢/:strong for
// 谢谢[强], /::@ for [发怒], /::) for [微笑]. Read as characters they are punctuation and stray
// letters (strong, ok) that say nothing or the wrong thing. slashFaces rewrites each to its
// bracketed name before anything else reads the message, so that a face means the same on
// every channel (emoticon.go). The codes are case-sensitive (/::D 呲牙, /::d 白眼), so this runs
// before Normalize lower-cases ASCII. Newer faces reach a 公众号 bracketed already ([捂脸]).

// slashFaceNames maps each escape code, without its leading "/:", to the face's name as
// wechatFaceNames spells it. No code is a prefix of another.
var slashFaceNames = map[string]string{
	":)": "微笑", ":~": "撇嘴", ":B": "色", ":|": "发呆", "8-)": "得意", ":<": "流泪", ":$": "害羞",
	":X": "闭嘴", ":Z": "睡", ":'(": "大哭", ":-|": "尴尬", ":@": "发怒", ":P": "调皮", ":D": "呲牙",
	":O": "惊讶", ":(": "难过", ":+": "酷", "--b": "冷汗", ":Q": "抓狂", ":T": "吐", ",@P": "偷笑",
	",@-D": "愉快", ":d": "白眼", ",@o": "傲慢", ":g": "饥饿", "|-)": "困", ":!": "惊恐", ":L": "流汗",
	":>": "憨笑", ":,@": "悠闲", ",@f": "奋斗", ":-S": "咒骂", "?": "疑问", ",@x": "嘘", ",@@": "晕",
	":8": "疯了", ",@!": "衰", "!!!": "骷髅", "xx": "敲打", "bye": "再见", "wipe": "擦汗", "dig": "抠鼻",
	"handclap": "鼓掌", "&-(": "糗大了", "B-)": "坏笑", "<@": "左哼哼", "@>": "右哼哼", ":-O": "哈欠",
	">-|": "鄙视", "P-(": "委屈", ":'|": "快哭了", "X-)": "阴险", ":*": "亲亲", "@x": "吓", "8*": "可怜",
	"pd": "菜刀", "<W>": "西瓜", "beer": "啤酒", "basketb": "篮球", "oo": "乒乓", "coffee": "咖啡",
	"eat": "饭", "pig": "猪头", "rose": "玫瑰", "fade": "凋谢", "showlove": "嘴唇", "heart": "爱心",
	"break": "心碎", "cake": "蛋糕", "li": "闪电", "bome": "炸弹", "kn": "刀", "footb": "足球",
	"ladybug": "瓢虫", "shit": "便便", "moon": "月亮", "sun": "太阳", "gift": "礼物", "hug": "拥抱",
	"strong": "强", "weak": "弱", "share": "握手", "v": "胜利", "@)": "抱拳", "jj": "勾引", "@@": "拳头",
	"bad": "差劲", "lvu": "爱你", "no": "NO", "ok": "OK", "love": "爱情", "<L>": "飞吻", "jump": "跳跳",
	"shake": "发抖", "<O>": "怄火", "circle": "转圈", "kotow": "磕头", "turn": "回头", "skip": "跳绳",
	"oY": "投降", "#-0": "激动", "hiphot": "乱舞", "kiss": "献吻", "<&": "左太极", "&>": "右太极",
}

// maxSlashFace is the length in bytes of the longest code in slashFaceNames.
var maxSlashFace = func() int {
	n := 0
	for code := range slashFaceNames {
		n = max(n, len(code))
	}
	return n
}()

// slashFaces returns text with each 公众号 face escape code (/:strong) replaced by the face's
// bracketed name ([强]), the longest code that matches; text itself when it holds none. A "/:"
// inside a web address (https://shop.example.com/:v/item) is part of the address, not a face:
// rewritten, it would cut the address where Mask reads it, and leave the rest of it (a path, a
// query with a name or a token) unmasked, beside a face no one sent.
func slashFaces(text string) string {
	i := strings.Index(text, "/:")
	if i < 0 {
		return text
	}
	var b strings.Builder
	last := 0
	var u urlRun
	for i >= 0 {
		name, n := "", 0
		rest := text[i+2:]
		if !u.inURL(text, i) {
			for l := min(len(rest), maxSlashFace); l > 0; l-- {
				if f, ok := slashFaceNames[rest[:l]]; ok {
					name, n = f, l
					break
				}
			}
		}
		next := i + 2
		if n > 0 {
			if b.Len() == 0 {
				b.Grow(len(text) + 8)
			}
			b.WriteString(text[last:i])
			b.WriteByte('[')
			b.WriteString(name)
			b.WriteByte(']')
			last = i + 2 + n
			next = last
		}
		k := strings.Index(text[next:], "/:")
		if k < 0 {
			break
		}
		i = next + k
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// urlRun follows a text from its start, as slashFaces looks for codes in it, keeping whether
// the run of bytes an address may hold (urlPattern's) up to the point reached began a web
// address as Mask finds them (http://, https://, www.). It reads each byte once.
type urlRun struct {
	next int  // the first byte not yet read
	url  bool // the run that reaches next holds the start of an address
}

// inURL reports whether the byte at i, at or after those of earlier calls, is in a web address.
func (u *urlRun) inURL(text string, i int) bool {
	for ; u.next < i; u.next++ {
		c := text[u.next]
		if !urlByte(c) {
			u.url = false
			continue
		}
		if u.next >= 2 && text[u.next-2:u.next+1] == "://" ||
			u.next >= 3 && strings.EqualFold(text[u.next-3:u.next+1], "www.") {
			u.url = true
		}
	}
	return u.url
}

// urlByte reports whether c may be part of a web address as urlPattern (mask.go) reads one.
func urlByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'*+,;=%", c) >= 0
}
