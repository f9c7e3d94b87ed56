// Package testsvc starts real services for tests: a private redis-server or PostgreSQL instance
// on a free port in a temporary directory, stopped when the test ends. zhiyi's tests run against
// the real components (never mocks); CI installs the Debian packages (redis-server, postgresql)
// and these helpers start what each test needs.
//
// Both servers are children of the test binary, started from an OS thread kept for them (see
// startChild): on Linux a parent-death signal stops them when the binary dies (a panic, go
// test's timeout), so no server outlives its test run.
//
// A test may skip only when the service's binary is not installed, and says so; CI installs them,
// so there the tests always run, and .ci/run sets ZHIYI_REQUIRE_SERVICES so that a missing one
// fails instead of skipping.
package testsvc
