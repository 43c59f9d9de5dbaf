package expr

import (
	"math"

	"abaco/expr/internal/pymath"
)

// builtinID names one of the builtins, math functions and constants an
// expression may use. The parser resolves names to ids once, so
// evaluation never looks up strings.
type builtinID uint8

const (
	bUnknown builtinID = iota
	bMath              // the math module itself, only useful before a dot
	bPi
	bE
	bTau
	bInf
	bNan
	bAbs
	bRound
	bMin
	bMax
	bPow
	bInt
	bFloat
	bSqrt
	bSin
	bCos
	bTan
	bAsin
	bAcos
	bAtan
	bAtan2
	bLog
	bLog2
	bLog10
	bExp
	bHypot
	bFloor
	bCeil
	bFactorial
	bGcd
	numBuiltins
)

// builtinInfo describes a builtin: its name, whether the math module has
// it, for constants their value, and for functions the accepted argument
// counts (max -1: any) and, for those pymath evaluates, the pymath function.
type builtinInfo struct {
	name     string
	math     bool
	constant bool
	value    float64
	min, max int
	fn       pymath.Func
}

// builtins is indexed by builtinID. It is the one list of the names an
// expression may use, and a read-only table.
var builtins = [numBuiltins]builtinInfo{
	bUnknown:   {name: "?"},
	bMath:      {name: "math"},
	bPi:        {name: "pi", math: true, constant: true, value: math.Pi},
	bE:         {name: "e", math: true, constant: true, value: math.E},
	bTau:       {name: "tau", math: true, constant: true, value: 2 * math.Pi},
	bInf:       {name: "inf", math: true, constant: true, value: math.Inf(1)},
	bNan:       {name: "nan", math: true, constant: true, value: math.NaN()},
	bAbs:       {name: "abs", min: 1, max: 1},
	bRound:     {name: "round", min: 1, max: 2},
	bMin:       {name: "min", min: 1, max: -1},
	bMax:       {name: "max", min: 1, max: -1},
	bPow:       {name: "pow", min: 2, max: 3},
	bInt:       {name: "int", min: 0, max: 2},
	bFloat:     {name: "float", min: 0, max: 1},
	bSqrt:      mathFloat(pymath.Sqrt),
	bSin:       mathFloat(pymath.Sin),
	bCos:       mathFloat(pymath.Cos),
	bTan:       mathFloat(pymath.Tan),
	bAsin:      mathFloat(pymath.Asin),
	bAcos:      mathFloat(pymath.Acos),
	bAtan:      mathFloat(pymath.Atan),
	bAtan2:     mathFloat(pymath.Atan2),
	bLog:       mathFloat(pymath.Log),
	bLog2:      mathFloat(pymath.Log2),
	bLog10:     mathFloat(pymath.Log10),
	bExp:       mathFloat(pymath.Exp),
	bHypot:     mathFloat(pymath.Hypot),
	bFloor:     {name: "floor", math: true, min: 1, max: 1},
	bCeil:      {name: "ceil", math: true, min: 1, max: 1},
	bFactorial: {name: "factorial", math: true, min: 1, max: 1},
	bGcd:       {name: "gcd", math: true, min: 0, max: -1},
}

// mathFloat describes a math module function that pymath evaluates, with
// the name and argument counts pymath gives it.
func mathFloat(f pymath.Func) builtinInfo {
	lo, hi := f.Args()
	return builtinInfo{name: f.Name(), math: true, min: lo, max: hi, fn: f}
}

// nameSlots finds every id but bUnknown by its name: an open-addressing
// hash table, read-only once built, that keeps lookupBare as fast as a
// switch over the names without listing them a second time.
var nameSlots = func() (t [numSlots]builtinID) {
	for id := bUnknown + 1; id < numBuiltins; id++ {
		h := nameHash(builtins[id].name)
		for t[h] != bUnknown {
			h = (h + 1) % numSlots
		}
		t[h] = id
	}
	return t
}()

// numSlots is the size of nameSlots, about twice the number of names.
const numSlots = 64

// nameHash is where a nonempty name's search in nameSlots starts. It
// puts each of today's names in a slot of its own, so a known name is
// found at the first probe.
func nameHash(s string) uint {
	return (2*uint(s[0]) + 3*uint(s[len(s)-1]) + 7*uint(s[len(s)/2]) + uint(len(s))) % numSlots
}

// lookupBare resolves a name written on its own (sqrt, pi, abs, math).
func lookupBare(s string) builtinID {
	if s == "" {
		return bUnknown
	}
	for h := nameHash(s); ; h = (h + 1) % numSlots {
		if id := nameSlots[h]; id == bUnknown || builtins[id].name == s {
			return id
		}
	}
}

// lookupMath resolves math.s: only the math module's own names.
func lookupMath(s string) builtinID {
	if id := lookupBare(s); builtins[id].math {
		return id
	}
	return bUnknown
}
