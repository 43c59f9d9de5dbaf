package main

import (
	"context"
	"errors"
)

// runDemo is being written.
func runDemo(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
