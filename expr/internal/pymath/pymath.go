// Package pymath implements CPython 3.11's float arithmetic and math module
// as it behaves on Linux x86_64 with glibc: the same bits for operators,
// repr and pow, within 1 ulp for the math functions, and the same error
// conditions (as *abaco.Error codes).
//
// Repr, Mod, FloorDiv and Round follow CPython's floatobject.c. Pow is
// CPython's float_pow over a port of glibc's pow, bit for bit, including
// the fused multiply-adds of the FMA build glibc selects on current CPUs;
// log, log2, log10 and exp are ported the same way and are exact too. sqrt
// and hypot are correctly rounded, as CPython's are; sin, cos, tan, asin,
// acos, atan and atan2 use double-double arithmetic, so they are correctly
// rounded but for rare cases and differ from glibc's by at most 1 ulp where
// glibc's are not.
package pymath
