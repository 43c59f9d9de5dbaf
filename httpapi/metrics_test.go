package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"abaco/cache"
	"abaco/httpapi"
	"abaco/internal/version"
)

// TestMetricNames scrapes /metrics and checks the final names and labels:
// the route label is the pattern without its method, which has a label of
// its own, and abaco_build_info says which build is running.
func TestMetricNames(t *testing.T) {
	t.Parallel()
	h := newAPI(t, nil)
	call(t, h, "POST", "/evaluate", evalBody(t, "2+2"))
	call(t, h, "GET", "/healthz", "")
	call(t, h, "HEAD", "/healthz", "")
	call(t, h, "GET", "/jobs/x", "") // 404: jobs are not enabled
	call(t, h, "GET", "/nowhere", "")
	call(t, h, "PATCH", "/evaluate", "")
	body := call(t, h, "GET", "/metrics", "").Body.String()
	v := version.Get()
	for _, want := range []string{
		`abaco_http_requests_total{code="200",method="POST",route="/evaluate"} 1`,
		`abaco_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`abaco_http_requests_total{code="200",method="HEAD",route="/healthz"} 1`,
		`abaco_http_requests_total{code="404",method="GET",route="/jobs/{id}"} 1`,
		`abaco_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`abaco_http_requests_total{code="405",method="PATCH",route="unmatched"} 1`,
		`abaco_http_request_duration_seconds_count{method="POST",route="/evaluate"} 1`,
		`abaco_http_request_duration_seconds_count{method="GET",route="/healthz"} 1`,
		`abaco_http_request_duration_seconds_count{method="HEAD",route="/healthz"} 1`,
		"# TYPE abaco_build_info gauge",
		fmt.Sprintf(`abaco_build_info{goversion=%q,revision=%q,version=%q} 1`, v.GoVersion, v.Revision, v.Version),
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// No route label repeats the method.
	if m := regexp.MustCompile(`route="[A-Z]+ [^"]*"`).FindString(body); m != "" {
		t.Errorf("/metrics has a route label with a method: %s", m)
	}
	if v.Version == "" || v.Revision == "" || v.GoVersion == "" {
		t.Errorf("build info %+v has an empty label", v)
	}
}

// TestBuildInfoFromConfig checks that Config.Build, the version set at
// build time, is what abaco_build_info says.
func TestBuildInfoFromConfig(t *testing.T) {
	t.Parallel()
	b := version.Info{Version: "v1.2.3", Revision: "abc123", GoVersion: "go1.26.0"}
	h := newAPI(t, func(c *httpapi.Config, _ *cache.Cache) { c.Build = b })
	body := call(t, h, "GET", "/metrics", "").Body.String()
	want := `abaco_build_info{goversion="go1.26.0",revision="abc123",version="v1.2.3"} 1` + "\n"
	if !strings.Contains(body, want) {
		t.Fatalf("/metrics lacks %s", want)
	}
}
