package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"abaco"
	"abaco/expr"
)

// Evaluate parses and evaluates expression, answering from the cache when
// it can. It returns the engine's *abaco.Error for a failed evaluation
// (cached like a result, except code limit) and never an error of the
// cache itself: a shared tier that fails is skipped.
func (c *Cache) Evaluate(ctx context.Context, expression string) (abaco.Result, error) {
	if c.tracer != nil {
		return c.evaluateTraced(ctx, expression)
	}
	return c.evaluate(ctx, expression)
}

// evaluate is Evaluate without its span.
func (c *Cache) evaluate(ctx context.Context, expression string) (abaco.Result, error) {
	// The hot path: this exact input was answered recently. No parse.
	if a, ok := c.inputs.Get(expression); ok {
		c.m.localHit.Inc()
		return c.result(a.canonical, a.e, Source{Cache: abaco.CacheHit, Tier: tierLocal}, nil)
	}
	// An input in canonical form is not remembered as an input (see
	// remember): its entry is found under the same text.
	if c.canonicalKey(expression) {
		if e, ok := c.local.Get(expression); ok {
			c.m.localHit.Inc()
			return c.result(expression, e, Source{Cache: abaco.CacheHit, Tier: tierLocal}, nil)
		}
	}
	tree, err := c.engine.Parse(expression)
	if err != nil {
		var perr *abaco.Error
		if !errors.As(err, &perr) || !cacheableCode(perr.Code) {
			return c.result("", Entry{}, Source{Cache: abaco.CacheBypass}, err)
		}
		key := rawPrefix + expression
		known := Entry{Err: perr}
		e, src, err := c.getOrCompute(ctx, key, func(context.Context) (Entry, error) {
			return known, nil
		}, func() (Entry, bool) { return known, true })
		c.remember(expression, "", key, err)
		return c.result("", e, src, err)
	}
	key := tree.Canonical()
	e, src, err := c.getOrCompute(ctx, key,
		func(ctx context.Context) (Entry, error) { return c.evalIn(ctx, c.engine, tree) },
		func() (Entry, bool) {
			e, err := c.evalIn(ctx, c.quick, tree)
			return e, err == nil
		})
	// Nothing refers to the tree any more: the flight that used it (this
	// caller's, or none) has ended.
	c.engine.Release(tree)
	c.remember(expression, key, key, err)
	return c.result(key, e, src, err)
}

// remember records that input is answered by the local entry under key,
// so that the next Evaluate of the same input skips the parse, once the
// input has missed twice (see doorkeeper). The alias
// expires with the entry, so it never outlives it either.
func (c *Cache) remember(input, canonical, key string, err error) {
	if err != nil || input == canonical {
		// An input in canonical form needs no alias: it is its own key.
		// So a stream of new canonical inputs costs one local write each.
		return
	}
	if !c.seen.again(input) {
		return // the first miss of this input: it may never come again
	}
	if e, ttl, ok := c.local.GetTTL(key); ok {
		c.inputs.Set(input, alias{canonical: canonical, e: e}, ttl)
	}
}

// canonicalKey reports whether s may be a local key that is the canonical
// form of s itself. Every key without a ':' is a canonical form (the keys
// of GetOrCompute and of syntax errors have one), and a canonical form
// parses to itself, unless it is too long to parse at all.
func (c *Cache) canonicalKey(s string) bool {
	return len(s) <= c.maxLength && !strings.Contains(s, ":")
}

// alias is what the first tier keeps per input text: the canonical form
// it parses to and that form's entry.
type alias struct {
	canonical string
	e         Entry
}

// GetOrCompute returns the entry cached under key in namespace, or calls
// compute, caches its entry in both tiers for the TTL and returns it.
// Concurrent callers missing the same key in this process share one call
// of compute. An error from compute is returned as is and nothing is
// cached: return deterministic failures in Entry.Err instead.
//
// The entry is stored under namespace + ":" + key (in Redis, e.g.
// "abaco:v1:eval:demo:calculo_demorado(10)"), apart from every key of
// Evaluate. namespace is one or more lower-case letters, digits or '_',
// and not "raw", which Evaluate uses; any other namespace is an error.
// Entry.Value must be a Python int, float or bool repr, since the kind is
// derived from it when read back from the shared tier.
func (c *Cache) GetOrCompute(ctx context.Context, namespace, key string, compute func(context.Context) (Entry, error)) (Entry, Source, error) {
	if err := checkNamespace(namespace); err != nil {
		return Entry{}, Source{Cache: abaco.CacheBypass}, err
	}
	return c.getOrCompute(ctx, namespace+":"+key, compute, nil)
}

// checkNamespace reports whether namespace may name keys of GetOrCompute.
// Without a ':' in it, namespace + ":" is a prefix no other namespace has;
// and no canonical form has a ':' (see canonicalKey).
func checkNamespace(namespace string) error {
	if namespace == "" || namespace+":" == rawPrefix {
		return fmt.Errorf("cache: namespace %q is empty or reserved", namespace)
	}
	for _, r := range namespace {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_') {
			return fmt.Errorf("cache: namespace %q has %q: want lower-case letters, digits and '_'", namespace, r)
		}
	}
	return nil
}

// getOrCompute is GetOrCompute with an optional cheap way to the entry:
// quick returns it when it can within a small budget of work (ok false
// otherwise). A miss that quick answers is computed at once rather than
// looked up in the shared tier.
func (c *Cache) getOrCompute(ctx context.Context, key string, compute func(context.Context) (Entry, error), quick func() (Entry, bool)) (Entry, Source, error) {
	if e, ok := c.local.Get(key); ok {
		c.m.localHit.Inc()
		return e, Source{Cache: abaco.CacheHit, Tier: tierLocal}, nil
	}
	if quick != nil {
		// A cheap entry is computed at once, not looked up in the shared
		// tier (a round trip costs more), nor shared with concurrent
		// callers of the same key: the flight costs more than computing
		// it twice.
		if e, ok := quick(); ok {
			c.m.localMiss.Inc()
			o := c.store(key, e, true)
			return o.e, o.src, o.err
		}
	}
	return c.fetch(ctx, key, compute)
}

// outcome is what one flight of fetch hands to every caller it serves.
type outcome struct {
	e   Entry
	src Source
	err error
}

// fetch is the path after a local miss: once per key at a time, the shared
// tier, then compute, then filling both tiers.
func (c *Cache) fetch(ctx context.Context, key string, compute func(context.Context) (Entry, error)) (Entry, Source, error) {
	c.m.localMiss.Inc()
	v, _, _ := c.flight.Do(key, func() (any, error) {
		// A flight that just ended may have filled the local tier after
		// this caller's lookup.
		if e, ok := c.local.Get(key); ok {
			return outcome{e: e, src: Source{Cache: abaco.CacheHit, Tier: tierLocal}}, nil
		}
		return c.fill(ctx, key, compute), nil
	})
	o := v.(outcome)
	return o.e, o.src, o.err
}

func (c *Cache) fill(ctx context.Context, key string, compute func(context.Context) (Entry, error)) outcome {
	sharedOK := true
	if c.shared != nil {
		e, ttl, found, err := c.sharedGet(ctx, key)
		switch {
		case err != nil:
			sharedOK = false
		case found:
			c.local.Set(key, e, ttl)
			return outcome{e: e, src: Source{Cache: abaco.CacheHit, Tier: tierShared}}
		}
	}
	e, err := compute(ctx)
	if err != nil {
		c.m.bypass.Inc()
		return outcome{err: err, src: Source{Cache: abaco.CacheBypass}}
	}
	return c.store(key, e, sharedOK)
}

// store keeps e, computed here, in the local tier for the TTL and, when
// toShared, queues it for the shared tier. The local copy is set first, so
// that it expires before the shared one. The outcome is a miss, or a
// bypass when e cannot reach the shared tier.
func (c *Cache) store(key string, e Entry, toShared bool) outcome {
	c.local.Set(key, e, c.ttl)
	if c.shared != nil && (!toShared || !c.queueWrite(key, e)) {
		return outcome{e: e, src: Source{Cache: abaco.CacheBypass}}
	}
	return outcome{e: e, src: Source{Cache: abaco.CacheMiss}}
}

// eval evaluates a parsed tree with engine into an entry; an error return
// means the outcome must not be cached (a limit breach or a bug).
func (c *Cache) eval(engine *expr.Engine, tree *expr.Tree) (Entry, error) {
	v, err := engine.Eval(tree)
	if err != nil {
		var e *abaco.Error
		if errors.As(err, &e) && cacheableCode(e.Code) {
			return Entry{Err: e}, nil
		}
		return Entry{}, err
	}
	return Entry{Value: v.Repr(), Kind: v.Kind()}, nil
}

// result turns a cache outcome into Evaluate's answer and counts errors.
func (c *Cache) result(canonical string, e Entry, src Source, err error) (abaco.Result, error) {
	r := abaco.Result{Expression: canonical, Cache: src.Cache, Tier: src.Tier}
	if err != nil {
		c.m.evalError(abaco.ErrorCode(err))
		return r, err
	}
	if e.Err != nil {
		c.m.evalError(e.Err.Code)
		// A copy, so that no caller can alter the cached error.
		cp := *e.Err
		return r, &cp
	}
	r.Value, r.Kind = e.Value, e.Kind
	return r, nil
}
