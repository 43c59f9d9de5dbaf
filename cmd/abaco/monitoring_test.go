package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
	buildinfo "abaco/internal/version"
)

// deployDir holds the Grafana dashboard and the Prometheus rules.
var deployDir = filepath.Join("..", "..", "deploy")

// promtool returns the path of promtool, or skips the test without it
// (.ci/run installs Debian's prometheus package, which ships it).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found (apt-get install --no-install-recommends prometheus)")
	}
	return p
}

// runPromtool runs promtool with args in dir, with stdin, and fails the
// test with its output when it fails.
func runPromtool(t *testing.T, dir string, stdin []byte, args ...string) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// exercisedServer starts serve on a private Redis with a job worker and
// drives it so that the labelled families have series to lint: a cache
// miss then a hit, an evaluation error, a finished job. It returns the base
// URL and the /metrics text.
func exercisedServer(t *testing.T) (base, scrape string) {
	t.Helper()
	srv := redistest.Start(t)
	base, _, _ = startServer(t, testConfig(t, "--redis-url", srv.URL, "--workers", "1"), nil)
	for _, e := range []string{"6*7", "6*7", "1/0"} {
		resp, _ := post(t, base+"/evaluate", `{"expressao": "`+e+`"}`)
		if resp.StatusCode != 200 && resp.StatusCode != 422 {
			t.Fatalf("POST /evaluate %s: %d", e, resp.StatusCode)
		}
	}
	resp, _ := post(t, base+"/jobs", `{"expressao": "1+1"}`)
	if resp.StatusCode != 202 {
		t.Fatalf("POST /jobs: %d", resp.StatusCode)
	}
	waitJob(t, base+resp.Header.Get("Location"), "2")
	return base, metricsText(t, base)
}

// TestMetricsLint runs `promtool check metrics` (the Prometheus naming and
// unit conventions) on a live server's scrape, whose abaco_build_info
// names the build as abaco version does.
func TestMetricsLint(t *testing.T) {
	t.Parallel()
	promtool(t)
	_, scrape := exercisedServer(t)
	v := buildinfo.Resolve(version)
	if want := fmt.Sprintf("abaco_build_info{goversion=%q,revision=%q,version=%q} 1\n", v.GoVersion, v.Revision, v.Version); !strings.Contains(scrape, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	runPromtool(t, ".", []byte(scrape), "check", "metrics")
}

// TestAlertRules checks deploy/prometheus/alerts.yml with `promtool check
// rules` and runs its unit tests, alerts_test.yml.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(deployDir, "prometheus")
	runPromtool(t, dir, nil, "check", "rules", "--lint=all", "--lint-fatal", "alerts.yml")
	runPromtool(t, dir, nil, "test", "rules", "alerts_test.yml")
}

// metricName finds the abaco metric names in a PromQL expression.
var metricName = regexp.MustCompile(`\babaco_[a-z0-9_]+`)

// TestDashboardAndAlertsUseExportedMetrics checks that every abaco metric
// named by a PromQL expression of the Grafana dashboard or of the alert
// rules is exported by a live server: a family of its scrape (HELP and
// TYPE lines count, so a family without series yet does too), or a
// histogram's _bucket, _sum or _count.
func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	t.Parallel()
	_, scrape := exercisedServer(t)
	families := map[string]string{} // name -> type
	sc := bufio.NewScanner(strings.NewReader(scrape))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = f[3]
		}
	}
	exported := func(name string) bool {
		if _, ok := families[name]; ok {
			return true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && (families[base] == "histogram" || families[base] == "summary") {
				return true
			}
		}
		return false
	}
	used := map[string][]string{} // name -> where
	for _, e := range dashboardExprs(t) {
		for _, n := range metricName.FindAllString(e.expr, -1) {
			used[n] = append(used[n], "dashboard panel "+e.where)
		}
	}
	rules, err := os.ReadFile(filepath.Join(deployDir, "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(rules), "\n") {
		// Only expressions: summaries and descriptions name metrics too.
		if strings.Contains(line, "summary:") || strings.Contains(line, "description:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, n := range metricName.FindAllString(line, -1) {
			used[n] = append(used[n], "alerts.yml")
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d metric names in the dashboard and the rules: %v", len(used), used)
	}
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range used {
			if !yield(n) {
				return
			}
		}
	}) {
		if !exported(n) {
			t.Errorf("%s (used in %s) is not exported by /metrics", n, strings.Join(slices.Compact(used[n]), ", "))
		}
	}
}

type dashExpr struct{ where, expr string }

// dashboardExprs returns the PromQL of every panel target and query
// variable of deploy/grafana/abaco.json, after checking the dashboard's
// shape: schema version, datasource variable, the panels asked for.
func dashboardExprs(t *testing.T) []dashExpr {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, "grafana", "abaco.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		SchemaVersion int `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name, Type string
				Query      any
			}
		}
		Panels []struct {
			Title      string
			Type       string
			Datasource struct{ UID string }
			Targets    []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("abaco.json: %v", err)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d, want a current Grafana's (39)", d.SchemaVersion)
	}
	var out []dashExpr
	hasDS := false
	for _, v := range d.Templating.List {
		hasDS = hasDS || (v.Type == "datasource" && v.Name == "datasource")
		if q, ok := v.Query.(map[string]any); ok {
			s, _ := q["query"].(string)
			out = append(out, dashExpr{"variable " + v.Name, s})
		}
	}
	if !hasDS {
		t.Error("abaco.json has no datasource variable named datasource")
	}
	var titles []string
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		titles = append(titles, p.Title)
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %q, want ${datasource}", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, dashExpr{p.Title, tg.Expr})
		}
	}
	for _, want := range []string{"Request rate", "Latency p50 / p99", "Hit ratio per cache tier", "HTTP errors by status code",
		"Breaker state", "Queue depth and in flight", "Oldest in-flight age", "Redeliveries by cause", "Dead letters", "Job throughput"} {
		if !slices.Contains(titles, want) {
			t.Errorf("abaco.json lacks the panel %q (has %q)", want, titles)
		}
	}
	return out
}

// TestWorkerMetricsLint checks abaco worker's --metrics-addr endpoint: the
// job queue's gauges, abaco_build_info and the Go and process collectors,
// as serve's /metrics has them, and a scrape `promtool check metrics`
// passes.
func TestWorkerMetricsLint(t *testing.T) {
	t.Parallel()
	promtool(t)
	srv := redistest.Start(t)
	w := startInProcess(srv.URL, "worker", "--metrics-addr", "127.0.0.1:0", "--log-level", "info")
	t.Cleanup(func() { w.stop(t) })
	base := workerMetrics(t, w)
	var scrape string
	until(t, 10*time.Second, "the job queue's depth sampled", func() bool {
		scrape = metricsText(t, base)
		return strings.Contains(scrape, `abaco_queue_depth{queue="abaco_jobs"} 0`)
	})
	for _, want := range []string{"# TYPE abaco_build_info gauge", "# TYPE go_goroutines gauge",
		"# TYPE process_cpu_seconds_total counter", "# TYPE abaco_queue_oldest_in_flight_seconds gauge"} {
		if !strings.Contains(scrape, want+"\n") {
			t.Errorf("worker /metrics lacks %s", want)
		}
	}
	runPromtool(t, ".", []byte(scrape), "check", "metrics")
}

// TestDashboardPromQL parses every PromQL expression of the dashboard with
// promtool, as recording rules, with Grafana's variables replaced by what
// Grafana would put there.
func TestDashboardPromQL(t *testing.T) {
	t.Parallel()
	promtool(t)
	grafana := strings.NewReplacer("$__rate_interval", "5m", "$instance", ".*")
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, e := range dashboardExprs(t) {
		if strings.HasPrefix(e.where, "variable ") {
			continue // label_values() is Grafana's, not PromQL
		}
		expr, err := json.Marshal(grafana.Replace(e.expr)) // a JSON string is a YAML string
		if err != nil {
			t.Fatal(err)
		}
		n++
		fmt.Fprintf(&rules, "      - record: dashboard:expr%d\n        expr: %s\n", n, expr)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.yml"), []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, dir, nil, "check", "rules", "dashboard.yml")
}
