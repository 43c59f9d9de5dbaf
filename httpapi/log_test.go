package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"abaco/cache"
	"abaco/httpapi"
)

// logLine is what the tests read of a JSON log line.
type logLine struct {
	Level     string `json:"level"`
	Msg       string `json:"msg"`
	RequestID string `json:"request_id"`
	Status    int    `json:"status"`
	Stack     string `json:"stack"`
}

// TestLogLevels checks which lines each outcome logs, at which level: a
// failure is always logged, a success only with LogRequests, and a panic
// once with its stack, then as the request it failed.
func TestLogLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		logRequests bool
		edit        func(*httpapi.Config)
		method      string
		path        string
		body        string
		want        []string // "level msg status" per line
	}{
		{"success", false, nil, "GET", "/healthz", "", nil},
		{"success, every request logged", true, nil, "GET", "/healthz", "", []string{"INFO request 200"}},
		{"client error", false, nil, "POST", "/evaluate", `{"expressao": "2 +"}`, []string{"INFO request 422"}},
		{"dependency down, ready requires it", false, func(c *httpapi.Config) {
			c.Cache = fakeCache{readyErr: errBackend}
			c.ReadyRequiresSharedCache = true
		}, "GET", "/readyz", "", []string{"WARN request 503"}},
		{"dependency down", false, func(c *httpapi.Config) { c.Cache = fakeCache{readyErr: errBackend} }, "GET", "/readyz", "", nil},
		{"panic", false, func(c *httpapi.Config) { c.Evaluator = panicEvaluator{} }, "POST", "/evaluate", `{"expressao": "2+2"}`,
			[]string{"ERROR panic 0", "ERROR request 500"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) {
				c.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
				c.LogRequests = tt.logRequests
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			w := call(t, h, tt.method, tt.path, tt.body)
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if l == "" {
					continue
				}
				var line logLine
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatalf("log line %q: %v", l, err)
				}
				if id := w.Header().Get("X-Request-Id"); line.RequestID != id {
					t.Errorf("line %q: request_id %q, want the response's %q", l, line.RequestID, id)
				}
				if line.Msg == "panic" && !strings.Contains(line.Stack, "panicEvaluator") {
					t.Errorf("panic line without the stack: %q", l)
				}
				got = append(got, fmt.Sprintf("%s %s %d", line.Level, line.Msg, line.Status))
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("log lines %q, want %q\n%s", got, tt.want, buf.String())
			}
		})
	}
}
