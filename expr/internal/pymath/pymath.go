// Package pymath implements CPython 3.11's float arithmetic and math module
// on Linux/glibc: same bits for operators, repr and pow, within 1 ulp for
// the math functions, and the same error conditions (as *abaco.Error codes).
//
// Pow is a port of glibc's pow, bit for bit; Repr, Mod, FloorDiv and Round
// follow CPython's floatobject.c; Call follows CPython's mathmodule.c.
package pymath
