package main

import (
	"context"
	"errors"
)

// runQueue is being written.
func runQueue(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
