package expr

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
// it, and for functions the accepted argument counts (max -1: any).
type builtinInfo struct {
	name     string
	math     bool
	constant bool
	min, max int
}

// builtins is indexed by builtinID. It is a read-only table.
var builtins = [numBuiltins]builtinInfo{
	bUnknown:   {name: "?"},
	bMath:      {name: "math"},
	bPi:        {name: "pi", math: true, constant: true},
	bE:         {name: "e", math: true, constant: true},
	bTau:       {name: "tau", math: true, constant: true},
	bInf:       {name: "inf", math: true, constant: true},
	bNan:       {name: "nan", math: true, constant: true},
	bAbs:       {name: "abs", min: 1, max: 1},
	bRound:     {name: "round", min: 1, max: 2},
	bMin:       {name: "min", min: 1, max: -1},
	bMax:       {name: "max", min: 1, max: -1},
	bPow:       {name: "pow", min: 2, max: 3},
	bInt:       {name: "int", min: 0, max: 2},
	bFloat:     {name: "float", min: 0, max: 1},
	bSqrt:      {name: "sqrt", math: true, min: 1, max: 1},
	bSin:       {name: "sin", math: true, min: 1, max: 1},
	bCos:       {name: "cos", math: true, min: 1, max: 1},
	bTan:       {name: "tan", math: true, min: 1, max: 1},
	bAsin:      {name: "asin", math: true, min: 1, max: 1},
	bAcos:      {name: "acos", math: true, min: 1, max: 1},
	bAtan:      {name: "atan", math: true, min: 1, max: 1},
	bAtan2:     {name: "atan2", math: true, min: 2, max: 2},
	bLog:       {name: "log", math: true, min: 1, max: 2},
	bLog2:      {name: "log2", math: true, min: 1, max: 1},
	bLog10:     {name: "log10", math: true, min: 1, max: 1},
	bExp:       {name: "exp", math: true, min: 1, max: 1},
	bHypot:     {name: "hypot", math: true, min: 0, max: -1},
	bFloor:     {name: "floor", math: true, min: 1, max: 1},
	bCeil:      {name: "ceil", math: true, min: 1, max: 1},
	bFactorial: {name: "factorial", math: true, min: 1, max: 1},
	bGcd:       {name: "gcd", math: true, min: 0, max: -1},
}

// lookupBare resolves a name written on its own (sqrt, pi, abs, math).
func lookupBare(s string) builtinID {
	switch s {
	case "math":
		return bMath
	case "pi":
		return bPi
	case "e":
		return bE
	case "tau":
		return bTau
	case "inf":
		return bInf
	case "nan":
		return bNan
	case "abs":
		return bAbs
	case "round":
		return bRound
	case "min":
		return bMin
	case "max":
		return bMax
	case "pow":
		return bPow
	case "int":
		return bInt
	case "float":
		return bFloat
	case "sqrt":
		return bSqrt
	case "sin":
		return bSin
	case "cos":
		return bCos
	case "tan":
		return bTan
	case "asin":
		return bAsin
	case "acos":
		return bAcos
	case "atan":
		return bAtan
	case "atan2":
		return bAtan2
	case "log":
		return bLog
	case "log2":
		return bLog2
	case "log10":
		return bLog10
	case "exp":
		return bExp
	case "hypot":
		return bHypot
	case "floor":
		return bFloor
	case "ceil":
		return bCeil
	case "factorial":
		return bFactorial
	case "gcd":
		return bGcd
	}
	return bUnknown
}

// lookupMath resolves math.s: only the math module's own names.
func lookupMath(s string) builtinID {
	if id := lookupBare(s); builtins[id].math {
		return id
	}
	return bUnknown
}
