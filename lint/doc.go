// Package lint checks customer-facing texts against China's advertising law before they go live:
// every knowledge-base answer (kb.yaml) and every rule's answer (rules.yaml).
//
//	findings, err := lint.KBFile("corpora/shop/kb.yaml")       // err: the file does not load
//	findings, err := lint.RulesFile("corpora/shop/rules.yaml", rules.Options{Intents: …})
//	for _, f := range findings { fmt.Println(f) }
//	// corpora/shop/kb.yaml:77:20: intent size_advice answer size_advice.b: 最准: absolute term (绝对化用语, 广告法第九条第三项)
//
// `zhiyi lint FILE…` prints them and exits 1 when there are any; training refuses a knowledge
// base with findings (the caller decides: findings are data, not errors). Text checks a single
// text (the console's test mode).
//
// # What is found
//
//   - Absolute terms (Absolute, 广告法第九条第三项): 最 and the word it starts (最佳, 最好, 最低,
//     最大, 最舒适 …), 第一 (第 一 too), 唯一 (not of a code, a number or a link: 兑换码是唯一的,
//     唯一标识), 独家, 首家/首个/首选/首创, 顶级, 顶尖, 极品, 极致,
//     国家级, 世界级, 全球级, 万能, 永久, 绝对, 王牌, 冠军, 领导品牌, 史无前例, 独一无二, 绝无仅有,
//     100% (100 % too), 百分之百, 第1 (第 1 too), NO.1 (No. 1 too), TOP1 (TOP 1 too), the best,
//     best seller, number one (in any case, not inside a longer word: nano1, laptop1); 驰名商标
//     (第十四条).
//   - Promises of returns or guaranteed effects (Promise, 第十六、十七、二十五、二十八条): 保证,
//     稳赚, 包赚, 保本, 零风险, 无风险, 包治, 根治, 治愈, 药到病除, 立竿见影, 百分百有效, 无效退款,
//     包过 …, and safety assertions (无副作用, 零副作用).
//   - Medical claims (Medical, 第十七条; health food 第十八条): 治疗, 预防 (a disease in the same
//     clause), 疗效, 药用, 药效, 抗癌, 防癌, 降血压, 降血糖, 降血脂, 降三高, 消炎, 抗炎, 增强/提高免疫力.
//     Food, cosmetics and health products may not claim them; a registered 保健食品 waives its
//     approved function (增强免疫力) with the registration number as the reason.
//   - Price claims (Price, 第二十八条): 原价 set against a price (原价999现在只要99; it must have
//     been the lowest price traded at in the 7 days before: waive it with that basis), and 限时
//     with no end in its sentence (限时抢购; not 限时优惠至 11 月 11 日 24 点, 今晚 24 点前限时,
//     限时到明天) nor an end of the offer in the next (限时抢购！活动截止到 11 月 11 日 24 点; a
//     time of something else there, 48 小时内发货, is none). 原价 with no price after it (按原价退款) is not a finding.
//   - Belittling other sellers (Disparage, 第十三条): 吊打, 碾压, 完爆, 秒杀同行; 假货, 山寨, 垃圾,
//     坑人, 以次充好 … only when said of another seller named earlier in the clause (别家都是假货,
//     某宝的山寨货), not of the shop's own goods (本店绝无假货) or a customer's case (收到假货请联系我们).
//   - Length (Length): an answer that can be longer than MaxBytes (2048 UTF-8 bytes, the channels'
//     limit for one text message), placeholders counted at their longest (tmpl.MaxValueBytes or
//     their fallback). A knowledge-base answer of at most 500 characters only gets there through
//     placeholders; a rule's answer has no other limit.
//   - Unused waivers (Unused): a waiver that waives nothing in its answer, so stale ones go.
//   - Personal data in an example question (Personal): a phone, an ID or bank card, an e-mail
//     address. Examples are copied into the bundle as written, so zhiyi train refuses them too;
//     write the placeholder (<PHONE>) instead. Order numbers and links are not findings.
//
// The longest term at a place wins: 百分之百有效 is one promise, not 百分之百 as well. Traditional
// characters and full-width forms are read as simplified and ASCII ones (國家級 is 国家级, ＮＯ．１
// is NO.1), and emoji and zero-width characters between a term's characters are left out (最🔥低价
// is 最低价), in the text and in a waiver's term; a finding names the lexicon's term and points at
// the place in the file.
//
// # Accepted uses (not findings)
//
//   - 最近, 最后, 最终, 最初, 最新 (最新进度), 最早, 最晚, 最迟: time and order, not comparison.
//   - 最多/最少/最高/最低/最长/最短/最大/最小/最快/最慢 followed by a number: digits or a Chinese
//     numeral within the next 8 characters of the same clause (积分最多抵订单金额的 20%, 最高 20 元,
//     最快 24 小时发货, 最多两件, 每人最多限购两件, 最多抵扣二十元; 一 in a word such as 一样 or 一起
//     is no number), or a day (最快明天发货, 最迟周五). 最低价, 最高级, 最高端, 最高档 and 最大的 are
//     findings whatever number follows, and so is 最大功率 (no number): waive it, or reword.
//   - 最大/最小 within the shop's own range or service: a size (最大号是 XXL, 最小码), effort
//     (尽最大努力, 最大的努力; a service attitude, 广告绝对化用语执法指南第三条).
//   - 最好 as advice: after 您/你/亲/大家/建议/还是, or before 先/别/不要/提前/在/能/可以/尽快/及时/
//     当面/保留/联系/核对/检查/确认 (您最好先核对型号, 最好在签收时当面检查), or at a clause's
//     start or after 后 unless an adjective follows (，最好冷藏; 开封后最好冷藏保存; not 最好用,
//     最好看, 最好吃).
//   - 最佳赏味期, 最佳食用期 (a food label's consumption hint).
//   - 第一 counting: before 次, 步, 时间, 个, 件, 单, 天, 周, 年, 月, 期, 笔, 批, 条, 张, 页, 项, 种,
//     部分, 阶段 (第一时间, 第一次下单, 第一步), or numbering a list at a clause's start (第一，…);
//     the same for 第1, and 第12, No.15, top10 (longer numbers). 销量第一, 第一品牌, 店铺第一, and
//     全网/业内/国内第一个 (a ranking among others) are findings.
//   - 100% before a fibre or material (100%棉, 100% 桑蚕丝, 100%真皮): a labelled content; and a
//     battery's charge (请充满电至 100%, 电量显示100%).
//   - 万能 in a product's category name (万能转换插头, 万能插座, 万能胶; not 万能充电线), 永久 of
//     data gone (永久删除, 永久无法恢复; not 永久有效).
//   - 治疗 naming a device category (治疗仪, 治疗器) or sending the customer to a doctor (请及时
//     就医治疗, 到医院治疗); 预防 of no disease (为预防丢件, 预防诈骗, 预防炎热天气融化); 降压
//     alone (a converter's 降压模块) and 杀菌 (a disinfectant's labelled claim) are not terms.
//   - 保证 negated (不保证, 无法保证, 不能保证, 没法保证, 难以保证, 不敢保证, 并不保证), 保证金, and
//     保证 asked of the customer (请保证手机畅通, 请您务必保证, 需要您保证, 麻烦您保证): an instruction.
//
// # Waivers
//
// A finding that is right in law but acceptable in context is waived next to the answer, with a
// reason (a waiver without one does not load):
//
//	answers:                                  # kb.yaml                  rules:       # rules.yaml
//	  - id: product_info.a                                                 - id: promo
//	    text: …标注最大功率…                                                  action: {answer: …}
//	    waive:                                                               waive:
//	      - term: 最大                                                         - {term: 第一, reason: …}
//	        reason: “最大功率”是规格表里的额定参数
//
// A waiver names the term as the finding does (最大, not 最大功率; in either script, with or
// without the spaces inside it: 第 1 and 第1 alike) and covers every occurrence in that answer.
// An unused waiver's finding points at its term. Length findings cannot be waived.
//
// # Positions
//
// A finding names file:line:column (columns count characters), in every style of scalar:
// literal and folded blocks (text: |-, text: >-), plain and quoted scalars over several lines,
// escapes (a backslash's, a doubled single quote). Only a term that a line break or an escape
// splits is named where its scalar starts.
package lint
