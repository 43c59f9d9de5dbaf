package main

import (
	"context"
	"errors"
)

// runConsume is being written.
func runConsume(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
