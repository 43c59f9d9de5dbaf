package clients_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestTypeScriptClient installs ts/ (npm ci, from the lock file) in a
// temporary copy, checks that openapi-typescript regenerates the committed
// src/schema.d.ts from the golden document, compiles the program with tsc
// (so the document's types must fit its use) and runs it against a live
// server. It is skipped where node or npm is missing, but in CI
// (CI=true), which installs them, it fails instead; npm needs the
// registry or a warm cache.
func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no %s in CI, which .ci/run installs: %v", tool, err)
			}
			t.Skipf("no %s: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json", "tsconfig.json", "src/main.ts", "src/schema.d.ts"} {
		b, err := os.ReadFile(filepath.Join("ts", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) []byte {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %q: %v\n%s", name, args, err, out)
		}
		t.Logf("%s %s: %v", name, args[0], time.Since(start).Round(time.Millisecond))
		return out
	}
	run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")

	golden, err := filepath.Abs("../httpapi/testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	run("node_modules/.bin/openapi-typescript", golden, "-o", "regenerated.d.ts")
	got, err := os.ReadFile(filepath.Join(dir, "regenerated.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("ts/src/schema.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("ts/src/schema.d.ts is not what the golden OpenAPI document generates; run npm run generate in clients/ts and review the diff")
	}

	run("node_modules/.bin/tsc", "-p", ".")
	srv := newServer(t)
	if out := run("node", "dist/main.js", srv.URL); !bytes.Equal(bytes.TrimSpace(out), []byte("ok")) {
		t.Errorf("node dist/main.js: %s", out)
	}
}
