package main

import (
	"context"
	"errors"
	"io"
)

func runServe(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	return errors.New("serve: not wired yet")
}
