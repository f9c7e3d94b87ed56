package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
)

// maxExportRows bounds 看板's download: the console answers from memory (the adaptor to
// fasthttp holds a whole response), about 300 bytes a row, so a download is at most some 30 MB.
// A longer period is exported on the server with zhiyi export, which streams.
var maxExportRows = 100_000

// boardExport is 看板's 导出 CSV: the period's decisions with their latest feedback, as zhiyi
// export writes them, downloaded as a file. The download is logged as a change (who took the
// shop's conversations away, and when) though it changes nothing.
func (c *Console) boardExport(w http.ResponseWriter, r *http.Request, s *sessionInfo) {
	if c.d.DB == nil {
		c.errorPage(w, r, s, http.StatusNotFound, "没有决策日志：这台 zhiyi serve 以 --record=false 启动，没有可导出的记录。")
		return
	}
	now := c.d.Now()
	since, until, pv := pagePeriodUntil(r.URL.Query().Get("since"), r.URL.Query().Get("until"), "7d", now)
	if pv.Problem != "" {
		c.errorPage(w, r, s, http.StatusBadRequest, pv.Problem)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	var buf bytes.Buffer
	n, err := board.WriteRows(ctx, c.d.DB, board.RowsQuery{Since: since, Until: until, Location: cst, Format: board.RowsCSV, Max: maxExportRows}, &buf)
	switch {
	case errors.Is(err, board.ErrTooManyRows):
		c.errorPage(w, r, s, http.StatusRequestEntityTooLarge, fmt.Sprintf("这段时间的决策超过 %d 条，控制台不导出：请缩短时间范围，或在服务器上用 zhiyi export --since … --out 文件.csv 导出。", maxExportRows))
		return
	case err != nil:
		c.storeFailed("board export", err)
		c.errorPage(w, r, s, http.StatusServiceUnavailable, storeUnreadable)
		return
	}
	name := "zhiyi-" + since.In(cst).Format("20060102-1504") + "-" + until.In(cst).Format("20060102-1504") + ".csv"
	c.record(s, r, "board", "导出", pv.Span+"，"+strconv.Itoa(n)+" 条")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
