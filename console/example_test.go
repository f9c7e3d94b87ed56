package console_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/zhiyi-ai/zhiyi/console"
	"github.com/zhiyi-ai/zhiyi/reply"
)

// The console is off without an admin token; with one, every page but the sign-in sends a
// browser without a session there. zhiyi serve mounts Handler() with serve.WithConsole.
func Example() {
	_, err := console.New(console.Deps{Model: func() *reply.Model { return nil }})
	fmt.Println(errors.Is(err, console.ErrNoToken))

	c, err := console.New(console.Deps{AdminToken: "s3cret", Model: func() *reply.Model { return nil }})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	c.HTTPHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/console/board", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// true
	// 303 /console/login?next=%2Fconsole%2Fboard
}
