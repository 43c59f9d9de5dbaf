"""Evaluate expressions the way abaco's differential test needs.

Reads one expression per line from the file named by argv[1] and prints,
for each, one line: repr(result) or "error: <ExceptionClass>". eval() sees
only the names abaco supports, so anything else is a NameError as it is
for abaco. abaco has no complex numbers: where Python's ** or pow() would
make one, abaco fails with a domain error, so both are wrapped here to
raise ValueError instead.
"""
import ast
import math
import sys
import types
import warnings

# The reference is CPython 3.11: other versions answer some inputs differently.
if sys.version_info[:2] != (3, 11):
    sys.exit("pyeval.py: abaco's reference is CPython 3.11, this is " + sys.version)

warnings.simplefilter("ignore")  # SyntaxWarning for "1(2)" and the like
sys.set_int_max_str_digits(0)  # abaco prints big integers in full

MATH = ["sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "log",
        "log2", "log10", "exp", "floor", "ceil", "factorial", "gcd", "hypot",
        "pi", "e", "tau", "inf", "nan"]
names = {name: getattr(math, name) for name in MATH}
names["math"] = types.SimpleNamespace(**{n: getattr(math, n) for n in MATH})
for fn in (abs, round, min, max, int, float):
    names[fn.__name__] = fn


def real_pow(*args):
    r = pow(*args)
    if isinstance(r, complex):
        raise ValueError("complex result")
    return r


names["pow"] = real_pow
names["__pow"] = real_pow
names["__builtins__"] = {}


class PowToCall(ast.NodeTransformer):
    """Rewrites a ** b as __pow(a, b)."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            call = ast.Call(ast.Name("__pow", ast.Load()), [node.left, node.right], [])
            return ast.copy_location(call, node)
        return node


def evaluate(src):
    tree = PowToCall().visit(ast.parse(src, mode="eval"))
    return eval(compile(ast.fix_missing_locations(tree), "<expr>", "eval"), dict(names))


out = ["python %d.%d.%d" % sys.version_info[:3]]
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        src = line.rstrip("\n")
        try:
            v = evaluate(src)
            if isinstance(v, complex):
                out.append("error: complex")
            elif isinstance(v, (int, float)):
                out.append(repr(v))
            else:
                out.append("error: TypeError")
        except Exception as exc:  # noqa: BLE001 - the class is the answer
            out.append("error: " + type(exc).__name__)
sys.stdout.write("\n".join(out) + "\n")
