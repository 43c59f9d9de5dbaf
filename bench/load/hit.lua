-- The cache-hit scenario: every request evaluates the same expression.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"expressao": "2+2"}'
