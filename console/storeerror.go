package console

import (
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// What a page says when the decision log fails. The store's error names the server's files
// and is the driver's English ("sqlite3: unable to open database file: lstat /var/lib/…"):
// it goes to the service log (storeFailed), and the operator reads a fixed sentence.
const (
	storeUnreadable = "决策日志暂时无法读取，详情见服务日志。"
	labelsNotSaved  = "标注没有保存：决策日志暂时无法写入，详情见服务日志。"
)

// storeFailed logs a decision-log error met by a page ("console: decision log failed", with
// the page and the error, masked as the console masks every error it shows or logs).
func (c *Console) storeFailed(page string, err error) {
	c.log.Error("console: decision log failed", "page", page, "error", maskedError(err))
}

// maskedError is an error as a page shows it: masked and clipped.
func maskedError(err error) string {
	s, _ := nlp.Mask(err.Error())
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}
