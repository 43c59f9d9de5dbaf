package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// nodeKind is the kind of a syntax tree node.
type nodeKind uint8

const (
	nInt     nodeKind = iota // num: an int64 literal
	nBig                     // a: index into Tree.bigs
	nFloat                   // num: float64 bits of a literal
	nBool                    // num: 0 or 1
	nName                    // a: builtin id; b, c: byte span of the name in the source
	nUnary                   // op, a: operand
	nBinary                  // op, a: left, b: right (arithmetic, bitwise, and, or)
	nCompare                 // op, a: left operand, b: right operand or an nLink
	nLink                    // op, a: operand, b: the rest of a comparison chain
	nCond                    // a: value if true, b: condition, c: value if false
	nCall                    // a: callee, b: first nArg or -1, c: argument count
	nArg                     // a: argument expression, b: next nArg or -1
	nAttr                    // a: object (not a name), b, c: byte span of the attribute name
)

// node is one syntax tree node. Nodes live in one slice (an arena) and
// refer to each other by index, so a tree is a single allocation.
type node struct {
	kind    nodeKind
	op      op
	a, b, c int32
	num     uint64
}

// inlineNodes is how many nodes a Tree holds without a second allocation;
// typical expressions fit.
const inlineNodes = 16

// A Tree is a parsed expression. It is immutable and may be evaluated any
// number of times, by any Engine, concurrently.
type Tree struct {
	src    string
	nodes  []node
	bigs   []*big.Int
	root   int32
	inline [inlineNodes]node
}

// Levels of Python's precedence table, lowest first. A node's level says
// how tightly it binds; canonical printing parenthesizes a child whose
// level is too low for its position.
const (
	lvlCond  = 1
	lvlOr    = 2
	lvlAnd   = 3
	lvlNot   = 4
	lvlCmp   = 5
	lvlBitOr = 6
	lvlXor   = 7
	lvlBitAn = 8
	lvlShift = 9
	lvlArith = 10
	lvlTerm  = 11
	lvlUnary = 12
	lvlPow   = 13
	lvlAtom  = 14
)

// opLevels is the precedence level of each binary operator, 0 for the
// others. It is a read-only table.
var opLevels = [...]uint8{
	opOr: lvlOr, opAnd: lvlAnd,
	opEq: lvlCmp, opNe: lvlCmp, opLt: lvlCmp, opLe: lvlCmp, opGt: lvlCmp, opGe: lvlCmp,
	opBitOr: lvlBitOr, opBitXor: lvlXor, opBitAnd: lvlBitAn, opLsh: lvlShift, opRsh: lvlShift,
	opAdd: lvlArith, opSub: lvlArith,
	opMul: lvlTerm, opDiv: lvlTerm, opFloorDiv: lvlTerm, opMod: lvlTerm,
	opPow: lvlPow,
}

// binaryLevel returns the precedence level of a binary operator.
func binaryLevel(o op) int { return int(opLevels[o]) }

// level returns the precedence level of node i.
func (t *Tree) level(i int32) int {
	n := &t.nodes[i]
	switch n.kind {
	case nUnary:
		if n.op == opNot {
			return lvlNot
		}
		return lvlUnary
	case nBinary:
		return binaryLevel(n.op)
	case nCompare:
		return lvlCmp
	case nCond:
		return lvlCond
	}
	return lvlAtom
}

// Canonical returns the expression in canonical form: single spaces around
// binary operators and keywords, no space after unary -, + and ~, literals
// written as Python's repr writes their values (0x1f is 31, 1.50 is 1.5),
// math.name written as name, and only the parentheses the tree needs. Two
// inputs that parse to the same tree have the same canonical form, and the
// canonical form parses to the same tree again.
func (t *Tree) Canonical() string {
	if t == nil || len(t.nodes) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(t.src) + 8)
	t.write(&b, t.root)
	return b.String()
}

// String returns the canonical form.
func (t *Tree) String() string { return t.Canonical() }

// writeChild writes node i, parenthesized when its level is below min.
func (t *Tree) writeChild(b *strings.Builder, i int32, min int) {
	if t.level(i) < min {
		b.WriteByte('(')
		t.write(b, i)
		b.WriteByte(')')
		return
	}
	t.write(b, i)
}

func (t *Tree) write(b *strings.Builder, i int32) {
	n := &t.nodes[i]
	switch n.kind {
	case nInt:
		// AppendInt into a local buffer: FormatInt allocates a string
		// for every number of 100 or more.
		var buf [20]byte
		b.Write(strconv.AppendInt(buf[:0], int64(n.num), 10))
	case nBig:
		b.WriteString(t.bigs[n.a].String())
	case nFloat:
		b.WriteString(Float(math.Float64frombits(n.num)).Repr())
	case nBool:
		b.WriteString(Bool(n.num != 0).Repr())
	case nName:
		if id := builtinID(n.a); id != bUnknown {
			b.WriteString(builtins[id].name)
		} else {
			b.WriteString(t.src[n.b:n.c])
		}
	case nUnary:
		b.WriteString(opText[n.op])
		if n.op == opNot {
			b.WriteByte(' ')
		}
		min := lvlUnary
		if n.op == opNot {
			min = lvlNot
		}
		t.writeChild(b, n.a, min)
	case nBinary:
		lv := binaryLevel(n.op)
		if n.op == opPow { // right-associative; its left operand is a primary
			t.writeChild(b, n.a, lvlAtom)
			b.WriteString(" ** ")
			t.writeChild(b, n.b, lvlUnary)
			return
		}
		t.writeChild(b, n.a, lv)
		b.WriteByte(' ')
		b.WriteString(opText[n.op])
		b.WriteByte(' ')
		t.writeChild(b, n.b, lv+1)
	case nCompare:
		t.writeChild(b, n.a, lvlBitOr)
		for {
			b.WriteByte(' ')
			b.WriteString(opText[n.op])
			b.WriteByte(' ')
			r := &t.nodes[n.b]
			if r.kind != nLink {
				t.writeChild(b, n.b, lvlBitOr)
				return
			}
			t.writeChild(b, r.a, lvlBitOr)
			n = r
		}
	case nCond:
		t.writeChild(b, n.a, lvlOr)
		b.WriteString(" if ")
		t.writeChild(b, n.b, lvlOr)
		b.WriteString(" else ")
		t.writeChild(b, n.c, lvlCond)
	case nAttr:
		if k := t.nodes[n.a].kind; k == nInt || k == nBig {
			b.WriteByte('(') // "1.real" would lex as the float "1."
			t.write(b, n.a)
			b.WriteByte(')')
		} else {
			t.writeChild(b, n.a, lvlAtom)
		}
		b.WriteByte('.')
		b.WriteString(t.src[n.b:n.c])
	case nCall:
		t.writeChild(b, n.a, lvlAtom)
		b.WriteByte('(')
		for j := n.b; j >= 0; j = t.nodes[j].b {
			if j != n.b {
				b.WriteString(", ")
			}
			t.write(b, t.nodes[j].a)
		}
		b.WriteByte(')')
	}
}
