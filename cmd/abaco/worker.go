package main

import (
	"context"
	"errors"
)

// runWorker is being written.
func runWorker(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
