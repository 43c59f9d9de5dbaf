package cache

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"abaco"
	"abaco/expr"
)

// Span attributes of the cache's spans.
const (
	attrCache     = attribute.Key("abaco.cache")      // hit, miss or bypass
	attrTier      = attribute.Key("abaco.cache.tier") // local or shared, for a hit
	attrErrorCode = attribute.Key("abaco.error.code") // a failed evaluation's code
	attrQuick     = attribute.Key("abaco.engine.quick")
)

// evaluateTraced is Evaluate inside a span "cache.Evaluate": its
// attributes say whether a tier answered and which, and the engine's runs
// are its children (evalIn). A failed evaluation (a division by zero, a
// limit breach) is the expression's outcome, not the span's failure: only
// a fault (internal, unavailable, overloaded) marks the span as an error.
func (c *Cache) evaluateTraced(ctx context.Context, expression string) (abaco.Result, error) {
	ctx, span := c.tracer.Start(ctx, "cache.Evaluate")
	defer span.End()
	res, err := c.evaluate(ctx, expression)
	if !span.IsRecording() {
		return res, err // unsampled: no attributes to build
	}
	span.SetAttributes(attrCache.String(string(res.Cache)))
	if res.Tier != "" {
		span.SetAttributes(attrTier.String(res.Tier))
	}
	if err != nil {
		code := abaco.ErrorCode(err)
		span.SetAttributes(attrErrorCode.String(string(code)))
		switch code {
		case abaco.CodeInternal, abaco.CodeUnavailable, abaco.CodeOverloaded:
			span.SetStatus(codes.Error, err.Error())
		}
	}
	return res, err
}

// evalIn is eval, inside a span "expr.Eval" when tracing is on. The run
// within the small budget that spares a miss its shared-tier lookup is
// marked abaco.engine.quick.
func (c *Cache) evalIn(ctx context.Context, engine *expr.Engine, tree *expr.Tree) (Entry, error) {
	if c.tracer == nil {
		return c.eval(engine, tree)
	}
	_, span := c.tracer.Start(ctx, "expr.Eval")
	defer span.End()
	if !span.IsRecording() {
		return c.eval(engine, tree)
	}
	if engine == c.quick {
		span.SetAttributes(attrQuick.Bool(true))
	}
	e, err := c.eval(engine, tree)
	switch {
	case err != nil:
		span.SetAttributes(attrErrorCode.String(string(abaco.ErrorCode(err))))
	case e.Err != nil:
		span.SetAttributes(attrErrorCode.String(string(e.Err.Code)))
	}
	return e, err
}
