//go:build tools

package bench

// The comparison libraries, pinned here until each benchmark imports them.
import (
	_ "github.com/Knetic/govaluate"
	_ "github.com/expr-lang/expr"
	_ "github.com/hibiken/asynq"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/redis/rueidis"
)
