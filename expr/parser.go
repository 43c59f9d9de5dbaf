package expr

import "abaco"

// parser builds a Tree from source by precedence climbing over tokens that
// its lexer produces on demand. It recurses only for nested constructs and
// counts them, failing as soon as the nesting passes MaxDepth, so the Go
// stack it uses is bounded by the depth limit (times the few precedence
// levels that one nesting can span).
type parser struct {
	lexer
	t        *Tree
	nodes    []node // the tree's arena, stored back in t when done
	depth    int
	maxDepth int
	maxNodes int
	maxBits  int
}

// Parse parses src into a Tree. Errors are *abaco.Error with code syntax
// (Column set) or limit.
func (e *Engine) Parse(src string) (*Tree, error) {
	t := e.newTree()
	if err := e.parseInto(t, src); err != nil {
		e.Release(t)
		return nil, err
	}
	return t, nil
}

// parseInto parses src into t, whose nodes slice (empty, with room for a
// typical expression) it appends to.
func (e *Engine) parseInto(t *Tree, src string) error {
	if len(src) > e.lim.MaxLength {
		return abaco.Errorf(abaco.CodeLimit, "expression is %d bytes long, more than the limit of %d", len(src), e.lim.MaxLength)
	}
	t.src = src
	p := parser{lexer: lexer{src: src}, t: t, maxDepth: e.lim.MaxDepth, maxNodes: e.lim.MaxNodes, maxBits: e.lim.MaxIntBits}
	if err := p.next(); err != nil {
		return err
	}
	if p.kind == tEOF {
		return p.syntaxError(p.start, "empty expression")
	}
	p.nodes = t.nodes
	root, err := p.expr(lvlCond)
	t.nodes = p.nodes
	if err != nil {
		return err
	}
	if p.kind != tEOF {
		return p.unexpected()
	}
	t.root = root
	return nil
}

// add appends a node and returns its index, enforcing MaxNodes.
func (p *parser) add(n node) (int32, error) {
	if len(p.nodes) >= p.maxNodes {
		return 0, p.nodesError()
	}
	// Field by field: copying a node built on the stack as a whole stalls
	// on store forwarding, which costs more than the rest of add.
	i := len(p.nodes)
	p.nodes = append(p.nodes, node{})
	d := &p.nodes[i]
	d.kind, d.op, d.a, d.b, d.c, d.num = n.kind, n.op, n.a, n.b, n.c, n.num
	return int32(i), nil
}

// nodesError reports a tree over MaxNodes.
func (p *parser) nodesError() error {
	return abaco.Errorf(abaco.CodeLimit, "expression has more than %d nodes", p.maxNodes)
}

// enter opens one nesting level.
func (p *parser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.depthError()
	}
	return nil
}

// depthError reports a nesting over MaxDepth. It is apart from enter so
// that enter is inlined.
func (p *parser) depthError() error {
	return abaco.Errorf(abaco.CodeLimit, "expression is nested more than %d levels deep", p.maxDepth)
}

// unexpected reports the current token as a syntax error.
func (p *parser) unexpected() error {
	if p.kind == tEOF {
		return p.syntaxError(p.start, "unexpected end of expression")
	}
	tok := p.src[p.start:p.end]
	switch p.kind {
	case tKeyword:
		return p.syntaxError(p.start, "'"+tok+"' is not supported")
	case tAssign:
		return p.syntaxError(p.start, "assignment is not an expression")
	}
	return p.syntaxError(p.start, "unexpected '"+tok+"'")
}

// tokenLevel returns the binary operator and level of the current token,
// or level 0 when it does not continue an expression.
func (p *parser) tokenLevel() (op, int) {
	switch p.kind {
	case tOp:
		if p.op == opInvert {
			return opNone, 0
		}
		return p.op, binaryLevel(p.op)
	case tAnd:
		return opAnd, lvlAnd
	case tOr:
		return opOr, lvlOr
	case tIf:
		return opNone, lvlCond
	}
	return opNone, 0
}

// expr parses an expression whose operators all bind at least as tightly
// as min (a level), by precedence climbing.
func (p *parser) expr(min int) (int32, error) {
	var left int32
	var err error
	if p.kind == tInt && p.fits && len(p.nodes) < p.maxNodes {
		// The fast path for the commonest operand, a small int literal.
		left = int32(len(p.nodes))
		p.nodes = append(p.nodes, node{})
		d := &p.nodes[left]
		d.kind, d.num = nInt, uint64(p.small)
		if err = p.next(); err != nil {
			return 0, err
		}
		if p.kind == tLParen || p.kind == tDot {
			left, err = p.trailers(left)
		}
	} else {
		left, err = p.prefix(min)
	}
	if err != nil {
		return 0, err
	}
	for {
		o, lv := p.tokenLevel()
		if lv < min || lv == 0 {
			return left, nil
		}
		switch {
		case lv == lvlCond:
			left, err = p.conditional(left)
		case lv == lvlCmp:
			left, err = p.comparison(left)
		case o == opPow:
			left, err = p.power(left)
		default:
			if err = p.next(); err != nil {
				return 0, err
			}
			var right int32
			if right, err = p.expr(lv + 1); err != nil {
				return 0, err
			}
			left, err = p.add(node{kind: nBinary, op: o, a: left, b: right})
		}
		if err != nil {
			return 0, err
		}
	}
}

// power parses the right operand of **, which may be unary (2**-1) and is
// right-associative (2**3**2 is 2**(3**2)).
func (p *parser) power(left int32) (int32, error) {
	right, err := p.nested(lvlUnary)
	if err != nil {
		return 0, err
	}
	return p.add(node{kind: nBinary, op: opPow, a: left, b: right})
}

// nested skips the current token and parses the expression after it at
// level min, one nesting level deeper.
func (p *parser) nested(min int) (int32, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	if err := p.enter(); err != nil {
		return 0, err
	}
	x, err := p.expr(min)
	if err != nil {
		return 0, err
	}
	p.depth--
	return x, nil
}

// comparison parses a comparison chain after its first operand: a < b < c
// is one node with a link per further comparison, as Python evaluates it.
func (p *parser) comparison(left int32) (int32, error) {
	var ops [8]op
	var operands [8]int32
	o := ops[:0]
	r := operands[:0]
	for p.kind == tOp && binaryLevel(p.op) == lvlCmp {
		o = append(o, p.op)
		if err := p.next(); err != nil {
			return 0, err
		}
		x, err := p.expr(lvlBitOr)
		if err != nil {
			return 0, err
		}
		r = append(r, x)
	}
	tail := r[len(r)-1]
	for k := len(r) - 2; k >= 0; k-- {
		var err error
		if tail, err = p.add(node{kind: nLink, op: o[k+1], a: r[k], b: tail}); err != nil {
			return 0, err
		}
	}
	return p.add(node{kind: nCompare, op: o[0], a: left, b: tail})
}

// conditional parses "if c else b" after the value a of a conditional.
func (p *parser) conditional(a int32) (int32, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	c, err := p.expr(lvlOr)
	if err != nil {
		return 0, err
	}
	if p.kind != tElse {
		if p.kind == tEOF {
			return 0, p.syntaxError(p.start, "expected 'else' after 'if' expression")
		}
		return 0, p.unexpected()
	}
	b, err := p.nested(lvlCond)
	if err != nil {
		return 0, err
	}
	return p.add(node{kind: nCond, a: a, b: c, c: b})
}

// prefix parses what may start an expression at level min: a unary
// operator and its operand, or a primary.
func (p *parser) prefix(min int) (int32, error) {
	var o op
	var lv int
	switch {
	case p.kind == tNot:
		if min > lvlNot {
			return 0, p.syntaxError(p.start, "'not' needs parentheses here")
		}
		o, lv = opNot, lvlNot
	case p.kind == tOp && (p.op == opSub || p.op == opAdd || p.op == opInvert):
		o, lv = p.op, lvlUnary
		if o == opSub {
			o = opNeg
		} else if o == opAdd {
			o = opPos
		}
	default:
		return p.primary()
	}
	x, err := p.nested(lv)
	if err != nil {
		return 0, err
	}
	return p.add(node{kind: nUnary, op: o, a: x})
}
