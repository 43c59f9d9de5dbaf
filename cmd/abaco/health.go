package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"abaco/httpapi"
)

func runHealth(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "health", "abaco health [flags]",
		`Asks a running "abaco serve" whether it is ready: GET /readyz, then exit 0
and print the status (ready, or degraded with what it is doing without), or
exit 1 with a one-line reason when the server does not answer 200 in time.
It is the healthcheck of the container image, which has no shell or curl.

The default URL is that of the server this environment configures: ABACO_ADDR
(":8000" unless set) with an unspecified host read as 127.0.0.1.

Examples:
  abaco health
  abaco health --url http://127.0.0.1:8080/readyz --timeout 500ms`)
	var url string
	var timeout time.Duration
	stringVar(fs, env, &url, "url", "ABACO_HEALTH_URL", healthURL(envOr(env, "ABACO_ADDR", ":8000")), "the readiness `URL` to GET")
	durationVar(fs, env, &timeout, "timeout", "ABACO_HEALTH_TIMEOUT", 2*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if timeout <= 0 {
		return usageErrorf("--timeout must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usageErrorf("bad --url %q: %v", url, err)
	}
	// No proxy: the probe is about this server, not whatever HTTP_PROXY names.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("not ready: no answer from %s within %s", url, timeout)
		}
		return fmt.Errorf("not ready: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("not ready: reading the answer of %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		var p httpapi.Problem
		if json.Unmarshal(body, &p) == nil && p.Detail != "" {
			return fmt.Errorf("not ready: %s answered %d: %s", url, resp.StatusCode, oneLine(p.Detail))
		}
		return fmt.Errorf("not ready: %s answered %s", url, resp.Status)
	}
	var r httpapi.Readiness
	if err := json.Unmarshal(body, &r); err != nil || r.Status != "ready" && r.Status != "degraded" {
		return fmt.Errorf("not ready: %s answered 200 without a readiness status: %.80q", url, body)
	}
	line := r.Status
	for i, d := range r.Degraded {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		line += sep + d.Dependency + " " + d.Condition
	}
	fmt.Fprintln(env.Stdout, line)
	return nil
}

// healthURL is the /readyz URL of a server listening on addr, reached over
// loopback when addr names no host or a wildcard one (":8000", "0.0.0.0:8000").
func healthURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/readyz" // the request reports what is wrong
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}
