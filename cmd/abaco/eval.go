package main

import (
	"context"
	"errors"
)

// runEval is being written.
func runEval(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
