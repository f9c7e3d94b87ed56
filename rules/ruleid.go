package rules

// Rule ids: what an id may hold (ruleIDPattern), and what masking reads in it.

import (
	"regexp"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

var ruleIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// idPersonalData returns the kinds of personal data masking finds in a rule id (a phone number,
// a card, an e-mail or web address): an id holding one is refused, as an id is no message and is
// shown unmasked wherever its rule decides. An order number's reading is left to idReadsAsOrder.
func idPersonalData(id string) nlp.MaskSet {
	// An account (wechatcoupon1 reads as 微信 and an id) is not refused: ids an older release
	// loaded must still load, and an operator names no customer's WeChat in a rule's id.
	_, kinds := nlp.MaskExcept(id, nlp.MaskOrder, nlp.MaskAccount)
	return kinds
}

// idReadsAsOrder reports whether masking reads an order or tracking number in a rule id (10 or
// more digits, or digit groups a dash joins) outside its dates (withoutDates): a warning, not a
// refusal. Ids that earlier releases took are named for a campaign's days or a product
// (double11-20261111, promo-202611-202612, 618-0601-0618, sku12345678901), and refused they would
// keep zhiyi from starting on an upgrade; a customer's order number there is the operator's
// mistake to see, not the customer's identity. A date excuses only this reading: a mobile number
// whose last eight digits read as a date (vip-138-20261111) is still refused (idPersonalData).
func idReadsAsOrder(id string) bool {
	_, kinds := nlp.Mask(withoutDates(id))
	return kinds.Has(nlp.MaskOrder)
}

// idDataRead says what masking read in an id, kind by kind, for an operator who wrote no
// customer's data there: a store's landline or a product's number is refused too (masking
// cannot tell whose number it is), and "personal data (order)" alone left them wondering which
// digits and why.
func idDataRead(kinds nlp.MaskSet) string {
	var parts []string
	for _, k := range []nlp.MaskKind{nlp.MaskPhone, nlp.MaskIDCard, nlp.MaskBankCard, nlp.MaskEmail, nlp.MaskURL, nlp.MaskAddress, nlp.MaskName} {
		if !kinds.Has(k) {
			continue
		}
		what := idKindWords[k]
		if what == "" {
			what = "a " + k.String()
		}
		parts = append(parts, what)
	}
	return strings.Join(parts, " and ") + ", which masking takes for personal data"
}

// idKindWords names the kinds of personal data an id can hold ([A-Za-z0-9_.-]: no address nor
// name, which are Chinese) as idDataRead says them.
var idKindWords = map[nlp.MaskKind]string{
	nlp.MaskPhone:    "a phone number (a mobile, or a landline with its area code)",
	nlp.MaskIDCard:   "an ID card number",
	nlp.MaskBankCard: "a bank card number",
	nlp.MaskEmail:    "an e-mail address",
	nlp.MaskURL:      "a web address",
}

// withoutDates returns id with every part between its separators (- _ .) that is a date
// written yyyymmdd replaced by a letter.
func withoutDates(id string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(id); i++ {
		if i < len(id) && strings.IndexByte("-_.", id[i]) < 0 {
			continue
		}
		part := id[start:i]
		if _, err := time.Parse("20060102", part); err == nil && len(part) == 8 {
			part = "d"
		}
		b.WriteString(part)
		if i < len(id) {
			b.WriteByte(id[i])
		}
		start = i + 1
	}
	return b.String()
}
