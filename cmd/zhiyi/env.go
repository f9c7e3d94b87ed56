package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// envErr collects malformed environment variables seen while flags are registered: a command
// reports them after parsing (a flag given on the command line does not excuse a bad variable).
var envErr error

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	v, ok := os.LookupEnv(key)
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		envErr = errors.Join(envErr, fmt.Errorf("environment variable %s=%q: want a whole number", key, v))
		return def
	}
	return n
}

func envBool(key string, def bool) bool {
	v, ok := os.LookupEnv(key)
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		envErr = errors.Join(envErr, fmt.Errorf("environment variable %s=%q: want true or false", key, v))
		return def
	}
	return b
}

func envDuration(key string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(key)
	if !ok || strings.TrimSpace(v) == "" {
		return def
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		envErr = errors.Join(envErr, fmt.Errorf("environment variable %s=%q: want a duration such as 30m", key, v))
		return def
	}
	return d
}

// byteSize is a flag of a size in bytes, written as 268435456, 256MiB or 256MB.
type byteSize int64

func (b byteSize) String() string { return humanize.IBytes(uint64(b)) }

func (b *byteSize) Set(s string) error {
	n, err := humanize.ParseBytes(strings.TrimSpace(s))
	if err != nil || n > math.MaxInt64 {
		return fmt.Errorf("%q: want a size such as 256MiB, 1GB or a number of bytes", s)
	}
	*b = byteSize(n)
	return nil
}

func envBytes(key string, def int64) byteSize {
	b := byteSize(def)
	v, ok := os.LookupEnv(key)
	if !ok || strings.TrimSpace(v) == "" {
		return b
	}
	if err := b.Set(v); err != nil {
		envErr = errors.Join(envErr, fmt.Errorf("environment variable %s=%w", key, err))
		return byteSize(def)
	}
	return b
}
