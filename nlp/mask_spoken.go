package nlp

import "strings"

// spokenJoiners are what a voice message's recognised text (WeChat's 语音转文字) holds between the
// groups of a number read out: the full stop ASR writes at each pause, the 杠 said for a dash,
// the speaker's fillers (嗯, 呃, 那个, 对) and the 的 of 幺三八的幺二三四的五六七八. A typed
// message seldom has them there, and they join only what reads whole as a phone, ID or card
// number (kind '~'), never the groups of an order number or a list.
var spokenJoiners = [...]string{"。", "杠", "嗯", "呃", "额", "啊", "呀", "哦", "噢", "唔", "的", "对", "那个", "就是", "然后"}

// spokenJoinerAt returns the length of a spoken joiner at s[i], or 0.
func spokenJoinerAt(s string, i int) int {
	if s[i] < 0x80 {
		return 0
	}
	for _, w := range spokenJoiners {
		if strings.HasPrefix(s[i:], w) {
			return len(w)
		}
	}
	return 0
}
