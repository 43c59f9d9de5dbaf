#!/usr/bin/env python3
"""A small client of the abaco API, standard library only.

    python3 examples/client.py "2+2"            POST /evaluate, print the result
    python3 examples/client.py "2+2" "1/0"      POST /evaluate/batch, a line for each
    python3 examples/client.py --job "2**100"   POST /jobs, then GET /jobs/{id}?wait=30s
    python3 examples/client.py "1/0"            a problem+json error, exit status 1

The result is printed exactly as Python would print it, however many digits
an int has. --url (or ABACO_URL) names the server, http://127.0.0.1:8000 by
default, as docker-compose.yml publishes it.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

# An int result is a JSON number with all its digits; since 3.11 (and
# 3.10.7) Python refuses to parse one of more than 4300 digits unless told.
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)


class Problem(Exception):
    """An RFC 9457 problem+json answer (or a failed job's erro)."""

    def __init__(self, problem):
        super().__init__(problem.get("detail", ""))
        self.problem = problem

    def __str__(self):
        p = self.problem
        line = f"{p.get('status')} {p.get('code')}: {p.get('title')}: {p.get('detail')}"
        if "column" in p:
            line += f" (column {p['column']})"
        return line


def call(method, url, body=None):
    """Sends body as JSON and returns the decoded answer; raises Problem."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        text = e.read()
        if e.headers.get_content_type() == "application/problem+json":
            raise Problem(json.loads(text)) from None
        raise Problem({"status": e.code, "code": "http", "title": e.reason,
                       "detail": text.decode(errors="replace")}) from None


def value(evaluation):
    """The value of an evaluation, as Python prints it.

    repr is Python's repr of the value, exact by construction; resultado
    (the JSON number or boolean) prints the same once parsed.
    """
    if "repr" in evaluation:
        return evaluation["repr"]
    return str(evaluation["resultado"])


def evaluate(base, expression):
    return value(call("POST", base + "/evaluate", {"expressao": expression}))


def evaluate_batch(base, expressions):
    """Evaluates up to 100 expressions in one request; yields for each its
    value, or the Problem it failed with."""
    answer = call("POST", base + "/evaluate/batch", {"expressoes": expressions})
    for item in answer["resultados"]:
        yield value(item["avaliacao"]) if "avaliacao" in item else Problem(item["erro"])


def job(base, expression):
    accepted = call("POST", base + "/jobs", {"expressao": expression})
    print(f"job {accepted['id']} {accepted['estado']}", file=sys.stderr)
    while True:
        # The server holds the request until the job ends or the wait is
        # over (then the job is still queued or running: ask again).
        status = call("GET", base + accepted["url"] + "?wait=30s")
        if status["estado"] == "done":
            return value(status["avaliacao"])
        if status["estado"] in ("failed", "cancelled"):
            raise Problem(status.get("erro") or {"code": status["estado"], "title": "job " + status["estado"]})


def main():
    parser = argparse.ArgumentParser(description="Evaluate an expression with the abaco API.")
    parser.add_argument("expression", nargs="+",
                        help='an arithmetic expression in Python syntax, e.g. "2+2"; several go in one batch')
    parser.add_argument("--url", default=os.environ.get("ABACO_URL", "http://127.0.0.1:8000"),
                        help="the API's base URL (env ABACO_URL; default http://127.0.0.1:8000)")
    parser.add_argument("--job", action="store_true",
                        help="submit a job (POST /jobs) and wait for it instead of POST /evaluate")
    args = parser.parse_args()
    if args.job and len(args.expression) > 1:
        parser.error("--job takes one expression")
    base = args.url.rstrip("/")
    try:
        if len(args.expression) > 1:
            failed = False
            for outcome in evaluate_batch(base, args.expression):
                failed = failed or isinstance(outcome, Problem)
                print(f"problem: {outcome}" if isinstance(outcome, Problem) else outcome)
            return 1 if failed else 0
        [expression] = args.expression
        print(job(base, expression) if args.job else evaluate(base, expression))
    except Problem as p:
        print(f"problem: {p}", file=sys.stderr)
        return 1
    except urllib.error.URLError as e:
        print(f"cannot reach {base}: {e.reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
