package expr

import (
	"math"
	"math/bits"

	"abaco"
)

// evaluator walks a Tree once, keeping the work spent so far. It lives on
// the stack of Eval: nothing is shared between evaluations.
type evaluator struct {
	t       *Tree
	maxBits int
	maxWork int64
	work    int64
}

// Eval evaluates a parsed expression under e's limits. Recursion follows
// the tree, so it is bounded by the parser's limits (MaxNodes). Errors are
// *abaco.Error with codes division_by_zero, overflow, domain, type, name or
// limit.
func (e *Engine) Eval(t *Tree) (Value, error) {
	// Each node is evaluated at most once, so all of them are paid for
	// up front; only big-integer operations charge more as they go.
	if t == nil || len(t.nodes) == 0 {
		return Value{}, abaco.Errorf(abaco.CodeInternal, "expr: Eval of a tree that Parse did not return")
	}
	ev := evaluator{t: t, maxBits: e.lim.MaxIntBits, maxWork: e.lim.MaxWork}
	if err := ev.charge(int64(len(t.nodes))); err != nil {
		return Value{}, err
	}
	return ev.eval(t.root)
}

// charge spends n units of work, failing once the budget is exhausted. It
// is called before an expensive operation runs.
func (ev *evaluator) charge(n int64) error {
	ev.work += n
	if ev.work > ev.maxWork || n < 0 {
		return abaco.Errorf(abaco.CodeLimit, "expression needs more work than the limit of %d units", ev.maxWork)
	}
	return nil
}

// bitsError reports an integer over MaxIntBits.
func (ev *evaluator) bitsError(bits float64) error {
	if bits > 1e15 {
		return abaco.Errorf(abaco.CodeLimit, "integer result would be far larger than the limit of %d bits", ev.maxBits)
	}
	return abaco.Errorf(abaco.CodeLimit, "integer result would have about %.0f bits, more than the limit of %d", bits, ev.maxBits)
}

// checkInt enforces MaxIntBits on a computed value.
func (ev *evaluator) checkInt(v Value) (Value, error) {
	if v.k == kBig || v.k == kInt && ev.maxBits < 64 {
		return ev.checkIntSlow(v)
	}
	return v, nil
}

func (ev *evaluator) checkIntSlow(v Value) (Value, error) {
	switch {
	case v.k == kBig:
		if n := v.b.BitLen(); n > ev.maxBits {
			return Value{}, ev.bitsError(float64(n))
		}
	case v.k == kInt && ev.maxBits < 64:
		if n := bits.Len64(absU(v.i)); n > ev.maxBits {
			return Value{}, ev.bitsError(float64(n))
		}
	}
	return v, nil
}

// absU returns |x| as an unsigned number (correct for math.MinInt64).
func absU(x int64) uint64 {
	if x < 0 {
		return -uint64(x)
	}
	return uint64(x)
}

func (ev *evaluator) eval(i int32) (Value, error) {
	n := &ev.t.nodes[i]
	switch n.kind {
	case nInt:
		return Value{k: kInt, i: int64(n.num)}, nil
	case nBig:
		return ev.checkInt(Value{k: kBig, b: ev.t.bigs[n.a]})
	case nFloat:
		return Value{k: kFloat, f: math.Float64frombits(n.num)}, nil
	case nBool:
		return Value{k: kBool, i: int64(n.num)}, nil
	case nName:
		return ev.name(n)
	case nUnary:
		x, err := ev.eval(n.a)
		if err != nil {
			return Value{}, err
		}
		v, err := ev.unary(n.op, x)
		if err != nil {
			return Value{}, err
		}
		return ev.checkInt(v) // ~(2**n - 1) is -2**n: one bit more
	case nBinary:
		x, err := ev.eval(n.a)
		if err != nil {
			return Value{}, err
		}
		switch n.op {
		case opAnd: // and/or return an operand, as in Python: 0 or 5 is 5
			if !x.truthy() {
				return x, nil
			}
			return ev.eval(n.b)
		case opOr:
			if x.truthy() {
				return x, nil
			}
			return ev.eval(n.b)
		}
		y, err := ev.eval(n.b)
		if err != nil {
			return Value{}, err
		}
		if x.k == kInt && y.k == kInt && ev.maxBits >= 64 {
			// The fast path for + - * on small ints that do not overflow.
			a, b := x.i, y.i
			switch n.op {
			case opAdd:
				if c := a + b; (c > a) == (b > 0) {
					return Value{k: kInt, i: c}, nil
				}
			case opSub:
				if c := a - b; (c < a) == (b > 0) {
					return Value{k: kInt, i: c}, nil
				}
			case opMul:
				if a > -1<<31 && a < 1<<31 && b > -1<<31 && b < 1<<31 {
					return Value{k: kInt, i: a * b}, nil
				}
			}
		}
		v, err := ev.binary(n.op, x, y)
		if err != nil {
			return Value{}, err
		}
		return ev.checkInt(v)
	case nCompare:
		return ev.compareChain(n)
	case nCond:
		c, err := ev.eval(n.b)
		if err != nil {
			return Value{}, err
		}
		if c.truthy() {
			return ev.eval(n.a)
		}
		return ev.eval(n.c)
	case nAttr: // Python evaluates the object first, then finds no such attribute
		if base := &ev.t.nodes[n.a]; base.kind == nName && builtinID(base.a) == bMath {
			return Value{}, abaco.Errorf(abaco.CodeName, "module 'math' has no attribute '%s'", ev.t.src[n.b:n.c])
		}
		v, err := ev.eval(n.a)
		if err != nil {
			return Value{}, err
		}
		return Value{}, abaco.Errorf(abaco.CodeName, "'%s' object has no attribute '%s' (attributes are not supported)", v.typeName(), ev.t.src[n.b:n.c])
	case nCall:
		v, err := ev.call(n)
		if err != nil {
			return Value{}, err
		}
		return ev.checkInt(v)
	}
	return Value{}, abaco.Errorf(abaco.CodeInternal, "expr: unknown node kind %d", n.kind)
}

// name evaluates a name on its own: a constant, or an error.
func (ev *evaluator) name(n *node) (Value, error) {
	switch id := builtinID(n.a); id {
	case bPi, bE, bTau, bInf, bNan:
		return Float(builtins[id].value), nil
	case bUnknown:
		return Value{}, ev.nameError(n)
	case bMath:
		return Value{}, abaco.Errorf(abaco.CodeType, "math is a module, not a number: use math.name, as in math.pi")
	default:
		return Value{}, abaco.Errorf(abaco.CodeType, "%s is a function, not a number: call it, as in %s(x)", builtins[id].name, builtins[id].name)
	}
}

// nameError reports an unknown name.
func (ev *evaluator) nameError(n *node) error {
	return abaco.Errorf(abaco.CodeName, "name '%s' is not defined", ev.t.src[n.b:n.c])
}

// compareChain evaluates a < b < c ... as Python does: each operand at most
// once, stopping at the first false comparison.
func (ev *evaluator) compareChain(n *node) (Value, error) {
	left, err := ev.eval(n.a)
	if err != nil {
		return Value{}, err
	}
	o, r := n.op, n.b
	for {
		rn := &ev.t.nodes[r]
		link := rn.kind == nLink
		var right Value
		if link {
			right, err = ev.eval(rn.a)
		} else {
			right, err = ev.eval(r)
		}
		if err != nil {
			return Value{}, err
		}
		ok, err := ev.compare(o, left, right)
		if err != nil {
			return Value{}, err
		}
		if !ok || !link {
			return Bool(ok), nil
		}
		left, o, r = right, rn.op, rn.b
	}
}
