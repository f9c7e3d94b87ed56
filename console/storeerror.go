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

// What 模型, 实验 and 规则与答案 say when the server's own files fail them: the OS's error names the
// paths ("open /var/lib/zhiyi/models: permission denied") and goes to the service log
// (failed). What the operator gave (a stop that leaves an intent no answer, an experiments
// file that is not YAML) is named, by the file's name alone, not logged.
const (
	noModelsRoot          = "没有配置模型目录（zhiyi serve --models-root），无法列出模型。"
	modelsRootUnreadable  = "模型目录暂时无法读取，详情见服务日志；请检查目录是否还在、服务是否有权限读取它。"
	experimentsUnreadable = "实验文件无法读取，变体没有改动，详情见服务日志；请检查文件是否还在、服务是否有权限读取它。"
	experimentsNotWritten = "实验文件没有改动，实验照旧运行：无法写入新文件或旧版本，详情见服务日志；请检查实验文件所在的目录是否可写、磁盘是否已满。"
	rulesUnreadable       = "无法读取现有规则文件，详情见服务日志；请检查文件是否还在、服务是否有权限读取它。"
	rulesNotWritten       = "规则文件没有改动：无法写入新文件或旧版本，详情见服务日志；请检查规则文件所在的目录是否可写（服务的用户要在那里新建文件：保存时旧版本另存在它旁边，名为“原文件名.<时间>”）、磁盘是否已满。"
	rulesNotReadBack      = "刚写入的规则文件读不回来，详情见服务日志；请检查规则文件所在的磁盘和目录。"
)

// storeFailed logs a decision-log error met by a page ("console: decision log failed", with
// the page and the error, masked as the console masks every error it shows or logs).
func (c *Console) storeFailed(page string, err error) {
	c.failed("console: decision log failed", page, err)
}

// failed logs an error a page met that the operator is not shown: msg says what failed
// ("console: reload failed"), attrs what it was about (key, value, …).
func (c *Console) failed(msg, page string, err error, attrs ...any) {
	c.log.Error(msg, append([]any{"page", page, "error", maskedError(err)}, attrs...)...)
}

// maskedError is an error as a page shows it: masked and clipped.
func maskedError(err error) string {
	s, _ := nlp.Mask(err.Error())
	if utf8.RuneCountInString(s) > 300 {
		s = string([]rune(s)[:300]) + "…"
	}
	return s
}
