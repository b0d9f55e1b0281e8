package main

import (
	"context"
	"errors"
	"io"
)

func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	return errors.New("serve: not wired yet")
}
