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
// bracketed name ([强]), the longest code that matches; text itself when it holds none.
func slashFaces(text string) string {
	i := strings.Index(text, "/:")
	if i < 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for i >= 0 {
		name, n := "", 0
		rest := text[i+2:]
		for l := min(len(rest), maxSlashFace); l > 0; l-- {
			if f, ok := slashFaceNames[rest[:l]]; ok {
				name, n = f, l
				break
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
