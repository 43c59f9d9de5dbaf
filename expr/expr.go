// Package expr is abaco's expression engine: a lexer, parser and evaluator
// for Python 3.11 arithmetic expressions, written for this project. It gives
// the answers CPython gives (exact big integers, correctly rounded true
// division, Python's floor-division and modulo sign rules, bit-identical
// float results, Python's repr) without running any code: only numbers,
// operators, comparisons, conditionals and a fixed set of builtins and math
// functions exist.
//
// The engine is pure: no I/O and no package state. An Engine holds only its
// Limits, so one Engine may be shared by any number of goroutines. Every
// expression is bounded before it costs anything: its length, nesting depth
// and node count at parse time, and the size of every integer (checked
// before computing it) and the total work at evaluation time.
//
// Errors are *abaco.Error values with stable codes: syntax (with Column),
// division_by_zero, overflow, domain, type, name and limit.
package expr

import "sync"

// Version is the engine's semantics version. Cache keys include it ("v1"),
// so results computed by an engine with other semantics are never reused.
const Version = 1

// Limits bound what one expression may cost. A zero field takes its default
// from DefaultLimits; a negative field rejects every expression that needs
// any of that resource.
type Limits struct {
	// MaxLength is the longest accepted input in bytes. Default 4096.
	MaxLength int
	// MaxDepth is the deepest accepted nesting: each parenthesized group,
	// function call, unary operator (-, +, ~, not), right operand of ** and
	// else branch of a conditional opens one level. Default 100. The parser
	// recurses only as deep as this allows, so deep inputs fail fast.
	MaxDepth int
	// MaxNodes is the largest accepted syntax tree, counting every literal,
	// name, operator, call and argument. Default 2000.
	MaxNodes int
	// MaxIntBits is the largest integer, in bits, that an expression may
	// produce, including intermediate results. Results of **, *, << and
	// factorial are estimated BEFORE they are computed, so 9**9**9 fails at
	// once. Default 65536 (about 19700 decimal digits).
	MaxIntBits int
	// MaxWork is the evaluation budget in abstract units: one per node
	// evaluated plus, for big-integer operations, an upper bound of their
	// cost in 64-bit word operations (n*m for a product of n- and m-word
	// numbers). The default, 10_000_000, keeps the CPU time of every
	// expression small and bounded.
	MaxWork int64
}

// DefaultLimits returns the limits used for zero fields: 4096 bytes, depth
// 100, 2000 nodes, 65536-bit integers and 10,000,000 work units.
func DefaultLimits() Limits {
	return Limits{
		MaxLength:  4096,
		MaxDepth:   100,
		MaxNodes:   2000,
		MaxIntBits: 65536,
		MaxWork:    10_000_000,
	}
}

// Engine parses and evaluates expressions under fixed Limits. Its limits
// are immutable and it is safe for concurrent use; its only other state is
// a pool of reusable trees.
type Engine struct {
	lim   Limits
	trees sync.Pool // of *Tree, handed out by Parse and back by Release
}

// New returns an Engine with limits l; zero fields take their defaults.
func New(l Limits) *Engine {
	d := DefaultLimits()
	if l.MaxLength == 0 {
		l.MaxLength = d.MaxLength
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxNodes == 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxIntBits == 0 {
		l.MaxIntBits = d.MaxIntBits
	}
	if l.MaxWork == 0 {
		l.MaxWork = d.MaxWork
	}
	return &Engine{lim: l}
}

// Limits returns the engine's effective limits (defaults filled in).
func (e *Engine) Limits() Limits { return e.lim }

// Evaluate parses and evaluates src. It is Parse followed by Eval.
func (e *Engine) Evaluate(src string) (Value, error) {
	// The tree is recycled: a one-shot evaluation of a typical expression
	// then allocates nothing. The result never refers to the tree (a big
	// literal's *big.Int is shared, but never modified).
	t, err := e.Parse(src)
	if err != nil {
		return Value{}, err
	}
	v, err := e.Eval(t)
	e.Release(t)
	return v, err
}

// newTree returns an empty tree from the pool, or a new one.
func (e *Engine) newTree() *Tree {
	t, _ := e.trees.Get().(*Tree)
	if t == nil {
		t = new(Tree)
	}
	// Keep an arena that grew for an earlier expression, unless it is
	// unusually large.
	if c := cap(t.nodes); c < inlineNodes || c > maxPooledNodes {
		t.nodes = t.inline[:0]
	}
	t.nodes = t.nodes[:0]
	return t
}

// Release hands a tree from Parse back to the engine for reuse, sparing
// the next Parse the allocation of its node arena. Neither t nor
// anything read from it but strings and Values (which never refer to it)
// may be used after the call. Calling Release is optional.
func (e *Engine) Release(t *Tree) {
	if t == nil {
		return
	}
	t.src, t.bigs = "", nil
	e.trees.Put(t)
}

// maxPooledNodes bounds the arena a recycled tree keeps.
const maxPooledNodes = 1024
