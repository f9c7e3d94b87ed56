package intent

// The reasons a Result's route gives (Result.Reason), in a few English words: gateways and the
// decision log read them as they are, and ReasonLabel says each in Chinese for the console.
// Packages that route (this one, reply) use these constants, so that every reason has a label.
const (
	ReasonConfident        = "confident"
	ReasonOutOfScope       = "out of scope"
	ReasonPersonHandles    = "intent is always handled by a person"
	ReasonNotConfident     = "not confident enough to answer alone"
	ReasonNeverAuto        = "never answered alone: training found no confidence precise enough"
	ReasonLowConfidence    = "low confidence"
	ReasonNoWords          = "no words to understand"
	ReasonContextOnly      = "confident only with the conversation's context"
	ReasonRuleAnswers      = "an operator's rule answers"
	ReasonRuleIntent       = "an operator's rule names the intent"
	ReasonRulePersonIntent = "an operator's rule names an intent a person handles"
	ReasonRuleHandoff      = "an operator's rule hands off"
	ReasonRuleSilent       = "an operator's rule keeps silent"
	ReasonUrgent           = "urgent: a person should answer"
	ReasonNegative         = "strongly negative: a person should answer"
	ReasonAskedAgain       = "asked again after an automatic answer: a person checks the answer"
	ReasonAskedTwice       = "asked a second time after an automatic answer"
	ReasonFallbacks        = "not understood several times in a row"
	ReasonRetry            = "a retry: routed as the message was the first time"
	ReasonGray             = "a new answer in its gray release: an agent checks it first"
	ReasonOnlyData         = "only gives personal data: the conversation has not said what it needs"
	ReasonOnlyDataOffTopic = "only gives personal data: the model read another need than the conversation's"
	ReasonEmptyAnswer      = "the answer is empty without the vars its placeholders need"
)

// reasonLabels are the reasons in Chinese, as operators read them.
var reasonLabels = map[string]string{
	ReasonConfident:        "把握足够，自动回复",
	ReasonOutOfScope:       "不在知识库范围内",
	ReasonPersonHandles:    "该意图总由人工处理",
	ReasonNotConfident:     "把握不够，请客服确认后发送",
	ReasonNeverAuto:        "训练时没有达到自动回复所需的精度，模型不会自动回复，请客服确认后发送",
	ReasonLowConfidence:    "把握很低",
	ReasonNoWords:          "没有可理解的文字",
	ReasonContextOnly:      "结合上文才有把握，请客服确认",
	ReasonRuleAnswers:      "运营规则回复",
	ReasonRuleIntent:       "运营规则指定意图",
	ReasonRulePersonIntent: "运营规则指定的意图由人工处理",
	ReasonRuleHandoff:      "运营规则转人工",
	ReasonRuleSilent:       "运营规则：不回复",
	ReasonUrgent:           "紧急，需人工处理",
	ReasonNegative:         "情绪强烈，需人工处理",
	ReasonAskedAgain:       "自动回复后又问了一次（重述），请客服确认",
	ReasonAskedTwice:       "自动回复后再次重述，转人工",
	ReasonFallbacks:        "连续多次没有理解，转人工",
	ReasonRetry:            "重发的消息，按第一次的路由",
	ReasonGray:             "新答案灰度中，请客服先确认",
	ReasonOnlyData:         "只给了个人信息（如订单号），还不知道要办什么",
	ReasonOnlyDataOffTopic: "只给了个人信息，模型的判断与对话的话题不同，请客服确认",
	ReasonEmptyAnswer:      "答案的占位符缺少变量，内容为空",
}

// ReasonLabel returns a route's reason in Chinese, or the reason itself when it has no label.
func ReasonLabel(reason string) string {
	if l, ok := reasonLabels[reason]; ok {
		return l
	}
	return reason
}
