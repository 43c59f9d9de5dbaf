package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestServeCORSOrigins checks that --cors-origins and ABACO_CORS_ORIGINS
// reach the API: a listed origin is answered with its CORS header over
// real HTTP, an unlisted one is not, and the flag wins over the variable.
func TestServeCORSOrigins(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	env := &Env{Stderr: &stderr, Getenv: func(k string) string {
		if k == "ABACO_CORS_ORIGINS" {
			return "https://env.example"
		}
		return ""
	}}
	cfg, err := parseServeFlags(env, []string{"--addr", "127.0.0.1:0"})
	if err != nil || cfg.CORSOrigins != "https://env.example" {
		t.Fatalf("from the environment: %q, %v\n%s", cfg.CORSOrigins, err, stderr.String())
	}
	base, _, _ := startServer(t, testConfig(t, "--cors-origins", "https://a.example, https://b.example"), nil)
	for origin, want := range map[string]string{
		"https://b.example":   "https://b.example",
		"https://env.example": "",
		"https://c.example":   "",
	} {
		req, _ := http.NewRequest("POST", base+"/evaluate", strings.NewReader(`{"expressao": "2+2"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != 200 || got != want {
			t.Errorf("Origin %s: %d, Access-Control-Allow-Origin %q, want %q", origin, resp.StatusCode, got, want)
		}
	}
}
