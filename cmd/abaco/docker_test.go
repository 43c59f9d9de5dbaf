package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// There is no Docker engine in CI, so these tests keep the Dockerfile and
// docker-compose.yml honest by other means: the Dockerfile's build command
// is run as written, and the compose file's settings are fed to serve's own
// flag parsing.

// repoRoot is the module root, two levels above this package.
const repoRoot = "../.."

// TestDockerfileBuild runs the Dockerfile's `go build` line (static, no
// cgo) and checks the binary runs.
func TestDockerfileBuild(t *testing.T) {
	t.Parallel()
	df, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .* -o )/out/abaco (\./cmd/abaco)$`).FindSubmatch(df)
	if m == nil {
		t.Fatal("Dockerfile has no `RUN CGO_ENABLED=0 go build ... -o /out/abaco ./cmd/abaco` line")
	}
	if !regexp.MustCompile(`(?m)^COPY --from=build /out/abaco /abaco$`).Match(df) ||
		!regexp.MustCompile(`(?m)^ENTRYPOINT \["/abaco"\]$`).Match(df) ||
		!regexp.MustCompile(`(?m)^CMD \["serve"\]$`).Match(df) {
		t.Error("Dockerfile must copy /out/abaco to /abaco and run /abaco serve")
	}
	out := filepath.Join(t.TempDir(), "abaco")
	line := strings.ReplaceAll(string(m[1]), "${VERSION}", "dockertest") + out + " " + string(m[2])
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", line, err, b)
	}
	b, err := exec.Command(out, "version").CombinedOutput()
	if err != nil || !bytes.Contains(b, []byte("abaco dockertest")) {
		t.Fatalf("built binary: %v: %s", err, b)
	}
	if b, err := exec.Command("go", "version", "-m", out).CombinedOutput(); err != nil || !bytes.Contains(b, []byte("CGO_ENABLED=0")) {
		t.Errorf("binary is not built with CGO_ENABLED=0: %v\n%s", err, b)
	}
}

// TestComposeMatchesServeFlags reads the abaco service of
// docker-compose.yml and parses its environment with serve's flags: the
// container must listen on the published port and use the redis service.
func TestComposeMatchesServeFlags(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	services := composeServices(string(b))
	abaco, redis := services["abaco"], services["redis"]
	if abaco == nil || redis == nil {
		t.Fatalf("docker-compose.yml needs services abaco and redis, has %v", services)
	}
	if !strings.Contains(abaco["build"], ".") || !strings.Contains(abaco["depends_on"], "redis") {
		t.Errorf("abaco must build . and depend on redis: %v", abaco)
	}
	if !strings.Contains(abaco["ports"], `"8000:8000"`) || !strings.Contains(redis["ports"], `"6379:6379"`) {
		t.Errorf("ports: abaco %q redis %q", abaco["ports"], redis["ports"])
	}
	env := map[string]string{}
	for _, line := range strings.Split(abaco["environment"], "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if strings.HasPrefix(v, "${") { // taken from the host's shell
			v = ""
		}
		env[k] = v
	}
	known := map[string]bool{"REDIS_URL": true}
	var help bytes.Buffer
	parseServeFlags(&Env{Stderr: &help, Getenv: func(string) string { return "" }}, []string{"--help"})
	for _, m := range regexp.MustCompile(`\(env (ABACO_[A-Z_]+)\)`).FindAllStringSubmatch(help.String(), -1) {
		known[m[1]] = true
	}
	for k := range env {
		if !known[k] {
			t.Errorf("compose sets %s, which abaco serve does not read", k)
		}
	}
	cfg, err := parseServeFlags(&Env{Stderr: &help, Getenv: func(k string) string { return env[k] }}, nil)
	if err != nil {
		t.Fatalf("serve rejects the compose environment: %v\n%s", err, help.String())
	}
	if cfg.Addr != ":8000" || cfg.RedisURL != "redis://redis:6379" || cfg.Workers < 1 {
		t.Errorf("compose config: addr %q, redis %q, workers %d; want :8000, redis://redis:6379 and in-process workers",
			cfg.Addr, cfg.RedisURL, cfg.Workers)
	}
	df, _ := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if !bytes.Contains(df, []byte("EXPOSE 8000")) {
		t.Error("Dockerfile does not EXPOSE 8000")
	}
}

// composeServices is a small reader for our docker-compose.yml: service
// name -> top-level key -> the raw text of its value (inline or block).
// It is not a YAML parser; it relies on the file's two-space indentation.
func composeServices(text string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var svc map[string]string
	var key string
	inServices := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0:
			inServices = trimmed == "services:"
		case !inServices:
		case indent == 2:
			svc = map[string]string{}
			out[strings.TrimSuffix(trimmed, ":")] = svc
		case indent == 4:
			k, v, _ := strings.Cut(trimmed, ":")
			key = k
			svc[key] = strings.TrimSpace(v)
		default:
			svc[key] += "\n" + trimmed
		}
	}
	return out
}
