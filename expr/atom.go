package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"abaco"
)

// primary parses an atom followed by calls and attribute references.
func (p *parser) primary() (int32, error) {
	x, err := p.atom()
	if err != nil {
		return 0, err
	}
	return p.trailers(x)
}

// trailers parses the calls and attribute references after x.
func (p *parser) trailers(x int32) (int32, error) {
	var err error
	for {
		switch p.kind {
		case tLParen:
			if x, err = p.call(x); err != nil {
				return 0, err
			}
		case tDot:
			if x, err = p.attribute(x); err != nil {
				return 0, err
			}
		default:
			return x, nil
		}
	}
}

// attribute parses ".name" after x. Only the math module has attributes:
// math.sqrt becomes the same node as sqrt. Anything else becomes an
// attribute node, an error when evaluated.
func (p *parser) attribute(x int32) (int32, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	if p.kind != tName {
		return 0, p.unexpected()
	}
	start, end := p.start, p.end
	if err := p.next(); err != nil {
		return 0, err
	}
	if n := &p.nodes[x]; n.kind == nName && builtinID(n.a) == bMath {
		if id := lookupMath(p.src[start:end]); id != bUnknown {
			n.a, n.b, n.c = int32(id), int32(start), int32(end)
			return x, nil
		}
	}
	return p.add(node{kind: nAttr, a: x, b: int32(start), c: int32(end)})
}

// call parses an argument list after callee x.
func (p *parser) call(x int32) (int32, error) {
	if err := p.next(); err != nil {
		return 0, err
	}
	if err := p.enter(); err != nil {
		return 0, err
	}
	first, last, count := int32(-1), int32(-1), 0
	for p.kind != tRParen {
		a, err := p.expr(lvlCond)
		if err != nil {
			return 0, err
		}
		if p.kind == tAssign {
			return 0, p.syntaxError(p.start, "keyword arguments are not supported")
		}
		arg, err := p.add(node{kind: nArg, a: a, b: -1})
		if err != nil {
			return 0, err
		}
		if last >= 0 {
			p.nodes[last].b = arg
		} else {
			first = arg
		}
		last = arg
		count++
		if p.kind != tComma {
			break
		}
		if err := p.next(); err != nil {
			return 0, err
		}
	}
	if p.kind != tRParen {
		if p.kind == tEOF {
			return 0, p.syntaxError(p.start, "'(' was never closed")
		}
		return 0, p.unexpected()
	}
	p.depth--
	if err := p.next(); err != nil {
		return 0, err
	}
	return p.add(node{kind: nCall, a: x, b: first, c: int32(count)})
}

// atom parses a literal, a name or a parenthesized expression.
func (p *parser) atom() (int32, error) {
	switch p.kind {
	case tInt:
		return p.intLiteral()
	case tFloat:
		if p.fits {
			f := p.fval
			if err := p.next(); err != nil {
				return 0, err
			}
			return p.add(node{kind: nFloat, num: math.Float64bits(f)})
		}
		text := p.src[p.start:p.end]
		if strings.IndexByte(text, '_') >= 0 {
			text = strings.ReplaceAll(text, "_", "")
		}
		// Out-of-range literals become inf or 0 as in Python, so only
		// malformed text (which the lexer already refused) is an error.
		f, err := strconv.ParseFloat(text, 64)
		if ne, ok := err.(*strconv.NumError); err != nil && (!ok || ne.Err != strconv.ErrRange) {
			return 0, p.syntaxError(p.start, "invalid float literal")
		}
		if err := p.next(); err != nil {
			return 0, err
		}
		return p.add(node{kind: nFloat, num: math.Float64bits(f)})
	case tTrue, tFalse:
		v := uint64(0)
		if p.kind == tTrue {
			v = 1
		}
		if err := p.next(); err != nil {
			return 0, err
		}
		return p.add(node{kind: nBool, num: v})
	case tName:
		n := node{kind: nName, a: int32(lookupBare(p.src[p.start:p.end])), b: int32(p.start), c: int32(p.end)}
		if err := p.next(); err != nil {
			return 0, err
		}
		return p.add(n)
	case tLParen:
		open := p.start
		if err := p.next(); err != nil {
			return 0, err
		}
		if err := p.enter(); err != nil {
			return 0, err
		}
		if p.kind == tRParen {
			return 0, p.syntaxError(p.start, "empty parentheses (tuples are not supported)")
		}
		x, err := p.expr(lvlCond)
		if err != nil {
			return 0, err
		}
		if p.kind != tRParen {
			if p.kind == tEOF {
				return 0, p.syntaxError(open, "'(' was never closed")
			}
			if p.kind == tComma {
				return 0, p.syntaxError(p.start, "tuples are not supported")
			}
			return 0, p.unexpected()
		}
		p.depth--
		return x, p.next()
	}
	return 0, p.unexpected()
}

// intLiteral converts the current tInt token.
func (p *parser) intLiteral() (int32, error) {
	if p.fits {
		v := p.small
		if err := p.next(); err != nil {
			return 0, err
		}
		return p.add(node{kind: nInt, num: uint64(v)})
	}
	text := p.src[p.start:p.end]
	if p.base != 10 {
		text = text[2:]
	}
	text = strings.ReplaceAll(text, "_", "")
	bitsPerDigit := math.Log2(float64(p.base))
	if float64(len(strings.TrimLeft(text, "0"))-1)*bitsPerDigit >= float64(p.maxBits) {
		return 0, abaco.Errorf(abaco.CodeLimit, "integer literal has more than %d bits", p.maxBits)
	}
	z, ok := new(big.Int).SetString(text, p.base)
	if !ok {
		return 0, p.syntaxError(p.start, "invalid integer literal")
	}
	if z.BitLen() > p.maxBits {
		return 0, abaco.Errorf(abaco.CodeLimit, "integer literal has more than %d bits", p.maxBits)
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	if z.IsInt64() {
		return p.add(node{kind: nInt, num: uint64(z.Int64())})
	}
	p.t.bigs = append(p.t.bigs, z)
	return p.add(node{kind: nBig, a: int32(len(p.t.bigs) - 1)})
}
