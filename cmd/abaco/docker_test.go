package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
// cgo), checks the binary runs, then runs docker-compose.yml's services on
// it (compose_run_test.go).
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
	// The image's binary, so built once here.
	t.Run("compose services run", func(t *testing.T) { testComposeServicesRun(t, out, df) })
}

// TestComposeMatchesServeFlags reads the abaco service of
// docker-compose.yml and parses its environment with serve's flags: the
// container must listen on the published port and use the redis service.
func TestComposeMatchesServeFlags(t *testing.T) {
	t.Parallel()
	services := readCompose(t)
	abaco := services["abaco"]
	if abaco == nil || services["redis"] == nil || services["worker"] == nil {
		t.Fatalf("docker-compose.yml needs services abaco, redis and worker, has %v", services)
	}
	if !strings.Contains(abaco["build"], ".") || !strings.Contains(abaco["depends_on"], "redis") {
		t.Errorf("abaco must build . and depend on redis: %v", abaco)
	}
	if !strings.Contains(abaco["ports"], `"127.0.0.1:8000:8000"`) {
		t.Errorf("abaco ports %q, want 127.0.0.1:8000:8000", abaco["ports"])
	}
	env := composeEnv(abaco)
	var help bytes.Buffer
	cfg, err := parseServeFlags(&Env{Stderr: &help, Getenv: func(k string) string { return env[k] }}, nil)
	if err != nil {
		t.Fatalf("serve rejects the compose environment: %v\n%s", err, help.String())
	}
	// Jobs are the worker service's: scaling it must be what adds workers.
	if cfg.Addr != ":8000" || cfg.RedisURL != "redis://redis:6379" || cfg.Workers != 0 || cfg.AdminToken == "" {
		t.Errorf("compose config: addr %q, redis %q, workers %d, admin token set %v; want :8000, redis://redis:6379, 0 and a token",
			cfg.Addr, cfg.RedisURL, cfg.Workers, cfg.AdminToken != "")
	}
	df, _ := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if !bytes.Contains(df, []byte("EXPOSE 8000")) {
		t.Error("Dockerfile does not EXPOSE 8000")
	}
}

// TestComposeFile checks the shape of docker-compose.yml: the tutorial's
// services, names that let the built ones scale, nothing published beyond
// loopback, a persistent Redis, healthchecks, the demo behind a profile, and
// environments that each service's command reads. With docker-compose
// installed, compose itself validates the file too.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	services := readCompose(t)
	for _, name := range []string{"redis", "abaco", "worker", "producer", "consumer", "demo"} {
		if services[name] == nil {
			t.Errorf("docker-compose.yml has no service %s", name)
		}
	}
	for name, svc := range services {
		if c, ok := svc["container_name"]; ok && (name != "redis" || c != "redis") {
			t.Errorf("%s: container_name %q: only redis has one (for docker exec -it redis), the others must scale", name, c)
		}
		for _, line := range strings.Split(strings.TrimSpace(svc["ports"]), "\n") {
			if p := strings.Trim(strings.TrimSpace(strings.TrimPrefix(line, "-")), `"'`); p != "" && !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %q on every interface; publish on 127.0.0.1 only", name, p)
			}
		}
	}
	redis := services["redis"]
	if redis != nil {
		if redis["container_name"] != "redis" || redis["ports"] != "" {
			t.Errorf("redis: container_name %q, ports %q; want redis and none", redis["container_name"], redis["ports"])
		}
		if !strings.Contains(redis["command"], `"--appendonly", "yes"`) || !strings.Contains(redis["volumes"], "redis-data:/data") {
			t.Errorf("redis: command %q, volumes %q; want --appendonly yes and the redis-data volume on /data", redis["command"], redis["volumes"])
		}
		if got := composeList(t, "redis healthcheck", subKey(redis["healthcheck"], "test")); !slices.Equal(got, []string{"CMD", "redis-cli", "ping"}) {
			t.Errorf("redis healthcheck %q", got)
		}
	}
	b, _ := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if !regexp.MustCompile(`(?m)^volumes:\n  redis-data:$`).Match(b) {
		t.Error("docker-compose.yml does not declare the named volume redis-data")
	}
	if a := services["abaco"]; a != nil {
		if got := composeList(t, "abaco healthcheck", subKey(a["healthcheck"], "test")); !slices.Equal(got, []string{"CMD", "/abaco", "health"}) {
			t.Errorf("abaco healthcheck %q, want [CMD /abaco health]", got)
		}
	}
	if d := services["demo"]; d != nil && d["profiles"] != `["demo"]` {
		t.Errorf("demo profiles %q, want [\"demo\"]", d["profiles"])
	}
	// Every variable a built service sets is one its command reads.
	for name, svc := range services {
		if svc["build"] != "." {
			continue
		}
		argv := serviceCommand(t, name, svc)
		var help bytes.Buffer
		run(t.Context(), &Env{Stdout: &help, Stderr: &help, Getenv: func(string) string { return "" }}, []string{argv[0], "--help"})
		known := map[string]bool{}
		for _, m := range regexp.MustCompile(`\(env ([A-Z_]+)\)`).FindAllStringSubmatch(help.String(), -1) {
			known[m[1]] = true
		}
		for k := range composeEnv(svc) {
			if !known[k] {
				t.Errorf("%s sets %s, which abaco %s does not read", name, k, argv[0])
			}
		}
	}

	t.Run("docker-compose config", func(t *testing.T) {
		if _, err := exec.LookPath("docker-compose"); err != nil {
			t.Skip("docker-compose not on PATH (apt-get install docker-compose): the file is not validated by compose itself")
		}
		cmd := exec.Command("docker-compose", "-f", "docker-compose.yml", "config", "-q")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker-compose config -q: %v\n%s", err, out)
		}
	})
}

// readCompose reads the services of docker-compose.yml.
func readCompose(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return composeServices(string(b))
}

// composeEnv returns the environment block of svc as the container sees
// it, with the host's variables unset: ${X:-default} becomes default.
func composeEnv(svc map[string]string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(svc["environment"], "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if inner, ok := strings.CutPrefix(v, "${"); ok {
			_, v, _ = strings.Cut(strings.TrimSuffix(inner, "}"), ":-")
		}
		env[k] = v
	}
	return env
}

// composeList reads an inline list written as JSON (["CMD", "/abaco",
// "health"]), the one form of list the file uses for commands.
func composeList(t *testing.T, what, raw string) []string {
	t.Helper()
	var l []string
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		t.Errorf("%s: %q is not an inline list of double-quoted strings: %v", what, raw, err)
	}
	return l
}

// serviceCommand is the arguments the image's entrypoint (/abaco) gets in
// service svc: its command, or the Dockerfile's CMD ["serve"].
func serviceCommand(t *testing.T, name string, svc map[string]string) []string {
	t.Helper()
	if _, ok := svc["command"]; !ok {
		return []string{"serve"}
	}
	argv := composeList(t, name+" command", svc["command"])
	if len(argv) == 0 {
		t.Fatalf("%s: empty command", name)
	}
	return argv
}

// subKey returns the value of key in a block that composeServices kept
// as raw text (healthcheck: test: [...]).
func subKey(block, key string) string {
	for _, line := range strings.Split(block, "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
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
