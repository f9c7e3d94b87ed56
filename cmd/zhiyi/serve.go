package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/serve"
)

func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi serve", flag.ContinueOnError)
	var cfg serve.Config
	cfg.RegisterFlags(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// One write per batch of request lines, not per request; flushed on the way out.
	logOut := serve.NewLogWriter(stderr, 200*time.Millisecond)
	defer logOut.Close()
	log, err := serve.NewLogger(logOut, cfg.LogLevel)
	if err != nil {
		return err
	}
	load := func(ctx context.Context, dir string) (serve.Engine, error) {
		e, err := intent.Load(ctx, dir)
		if err != nil {
			return nil, err // never a typed nil Engine
		}
		return e, nil
	}
	// An older zhiyi train killed between the two renames of its commit left no bundle at
	// --model but the previous one beside it: put it back rather than fail.
	if _, err := os.Stat(cfg.ModelDir); errors.Is(err, iofs.ErrNotExist) {
		done, err := intent.CleanBundleLitter(cfg.ModelDir)
		for _, d := range done {
			fmt.Fprintf(stderr, "%s (left by an interrupted zhiyi train)\n", d)
		}
		if err != nil {
			fmt.Fprintf(stderr, "cannot repair %s: %v\n", cfg.ModelDir, err)
		}
	}
	srv, err := serve.New(cfg, load, log)
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go srv.ReloadOn(ctx, hup)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	fmt.Fprintf(stdout, "zhiyi ready on %s (model %s) — try:\n  curl -s -X POST http://%s/intent -H 'Content-Type: application/json' -d '{\"text\":\"东西不要了怎么寄回去\"}'\n",
		ln.Addr(), srv.ModelVersion(), curlHost(ln.Addr()))
	return srv.Serve(ctx, ln)
}

// curlHost turns a listen address such as [::]:8080 into one curl can reach.
func curlHost(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "[") {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
