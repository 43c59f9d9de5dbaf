package main

import (
	"context"
	"errors"
)

// runProduce is being written.
func runProduce(ctx context.Context, env *Env, args []string) error {
	return errors.New("not implemented yet")
}
