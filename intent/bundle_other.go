//go:build !linux

package intent

// exchange is not available here: CommitBundle renames twice and the next writer repairs an
// interrupted commit.
func exchange(a, b string) error { return errNoExchange }
