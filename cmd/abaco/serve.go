package main

import (
	"context"
	"errors"
)

// runServe is being written.
func runServe(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
