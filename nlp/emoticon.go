package nlp

import "strings"

// WeChat and WeCom deliver their built-in faces as text codes in ASCII square brackets: [微笑],
// [捂脸], [玫瑰], [OK]. Such a code is an emoji: one token, the Unicode emoji it stands for where
// there is a clear one ([强] is 👍, [OK] 👌, [抱拳] 🙏), so that it means to the model what the emoji
// typed on a phone means; the code itself otherwise ([奋斗]). Read as characters it would make 微笑
// and 玫瑰 words that vote. Only the faces' own names count, a closed list: bracketed text is also
// what customers and agents write for a field or a label ([订单号], [已解决], [图片]), and that
// stays words. The analysis reads the emoji in the code's place (Analysis.Text keeps the code);
// Normalize leaves the code alone (package sentiment weighs the codes themselves).

// wechatFaceNames are the names of WeChat's built-in faces (the 2024 panel and earlier names still
// delivered from older clients), as messages reach the analysis: ASCII in lower case, folded
// (the 發 of Chinese New Year is 发).
const wechatFaceNames = "微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 酷 冷汗 抓狂 " +
	"吐 偷笑 可爱 愉快 白眼 傲慢 饥饿 困 惊恐 流汗 憨笑 大兵 悠闲 奋斗 咒骂 疑问 嘘 晕 折磨 疯了 衰 骷髅 " +
	"敲打 再见 擦汗 抠鼻 鼓掌 糗大了 坏笑 左哼哼 右哼哼 哈欠 鄙视 委屈 快哭了 阴险 亲亲 吓 可怜 菜刀 西瓜 " +
	"啤酒 篮球 乒乓 咖啡 饭 猪头 玫瑰 凋谢 嘴唇 示爱 爱心 心碎 蛋糕 闪电 炸弹 刀 足球 瓢虫 便便 月亮 太阳 " +
	"礼物 拥抱 强 弱 握手 胜利 抱拳 勾引 拳头 差劲 爱你 no ok 爱情 飞吻 跳跳 发抖 怄火 转圈 磕头 回头 " +
	"跳绳 投降 激动 乱舞 献吻 左太极 右太极 嘿哈 捂脸 奸笑 机智 皱眉 耶 吃瓜 加油 汗 天啊 emm 社会社会 " +
	"旺柴 好的 打脸 哇 翻白眼 666 让我看看 叹气 苦涩 裂开 合十 庆祝 红包 发 福 烟花 爆竹 鞭炮 礼花 " +
	"破涕为笑 囧 笑脸 生病 脸红 恐惧 失望 无语 吐舌"

// wechatFaceEmoji maps a face's name to the emoji it stands for, where there is a clear one
// (with no variation selector, as Normalize leaves emoji).
var wechatFaceEmoji = map[string]string{
	"微笑": "🙂", "色": "😍", "流泪": "😢", "大哭": "😭", "发怒": "😡", "调皮": "😜", "呲牙": "😁",
	"惊讶": "😲", "酷": "😎", "吐": "🤮", "偷笑": "🤭", "白眼": "🙄", "翻白眼": "🙄", "困": "😪",
	"睡": "😴", "惊恐": "😱", "流汗": "😓", "汗": "😓", "嘘": "🤫", "晕": "😵", "骷髅": "💀",
	"再见": "👋", "鼓掌": "👏", "亲亲": "😘", "飞吻": "😘", "菜刀": "🔪", "刀": "🔪", "西瓜": "🍉",
	"啤酒": "🍺", "篮球": "🏀", "乒乓": "🏓", "咖啡": "☕", "饭": "🍚", "猪头": "🐷", "玫瑰": "🌹",
	"凋谢": "🥀", "嘴唇": "👄", "爱心": "❤", "心碎": "💔", "蛋糕": "🎂", "闪电": "⚡", "炸弹": "💣",
	"足球": "⚽", "瓢虫": "🐞", "便便": "💩", "月亮": "🌙", "太阳": "☀", "礼物": "🎁", "拥抱": "🤗",
	"强": "👍", "弱": "👎", "握手": "🤝", "胜利": "✌", "耶": "✌", "抱拳": "🙏", "合十": "🙏",
	"拳头": "👊", "ok": "👌", "好的": "👌", "捂脸": "🤦", "庆祝": "🎉", "礼花": "🎉", "红包": "🧧",
	"烟花": "🎆", "爆竹": "🧨", "鞭炮": "🧨", "破涕为笑": "😂", "笑脸": "😄", "生病": "😷",
	"脸红": "😳", "恐惧": "😱", "失望": "😞", "吐舌": "😛",
}

// faceEmoji returns text with each face code that has an emoji ([强]) replaced by it (👍), text
// itself when there is none.
func faceEmoji(text string) string {
	i := strings.IndexByte(text, '[')
	if i < 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for ; i >= 0 && i < len(text); i = nextBracket(text, i+1) {
		n := faceCodeLen(text[i:])
		if n == 0 {
			continue
		}
		e, ok := wechatFaceEmoji[text[i+1:i+n-1]]
		if !ok {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(text))
		}
		b.WriteString(text[last:i])
		b.WriteString(e)
		last = i + n
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// nextBracket returns the index of the next '[' of text at or after i, or -1.
func nextBracket(text string, i int) int {
	if k := strings.IndexByte(text[i:], '['); k >= 0 {
		return i + k
	}
	return -1
}

// wechatFaces holds wechatFaceNames, and maxFaceName the length in bytes of the longest.
var wechatFaces, maxFaceName = func() (map[string]struct{}, int) {
	m, longest := map[string]struct{}{}, 0
	for _, name := range strings.Fields(wechatFaceNames) {
		m[name] = struct{}{}
		longest = max(longest, len(name))
	}
	return m, longest
}()

// faceCodeLen returns the length of a WeChat face code ([微笑]) at the start of s, or 0.
func faceCodeLen(s string) int {
	if len(s) < 3 || s[0] != '[' {
		return 0
	}
	end := strings.IndexByte(s[1:min(len(s), maxFaceName+2)], ']')
	if end <= 0 {
		return 0
	}
	if _, ok := wechatFaces[s[1:1+end]]; !ok {
		return 0
	}
	return end + 2
}
