// Package repocheck holds no code, only tests that hold the whole repository to conventions a
// reviewer would otherwise check by eye (/work/shared/STYLE.md, DESIGN.md):
//
//   - every package directory has a doc.go;
//   - every exported name outside package main has a doc comment that go doc shows (a blank
//     line between a comment and its declaration detaches it);
//   - a package whose tests train the sample shop (shoptest.Bundle) or share a PostgreSQL server
//     (testsvc.SharedPostgres) removes it in TestMain (shoptest.Cleanup,
//     testsvc.StopSharedPostgres): neither belongs to one test, so t.Cleanup cannot, and a
//     package that forgets leaves a bundle of about 10 MB in $TMPDIR, or a running server,
//     behind every run.
//
// The tests read the source with go/parser from the repository root (two directories up).
package repocheck
