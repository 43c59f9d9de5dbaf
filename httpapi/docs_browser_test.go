package httpapi_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser
// (.ci/run installs it).
const chromiumPath = "/usr/bin/chromium"

// TestDocsInBrowser drives /docs in headless Chromium the way the tutorial
// does by hand: open the page, "Try it out" on POST /evaluate with 2+2,
// Execute, and see 4 in the rendered response; then 2**100, which must be
// shown with all its digits, and /docs/?lang=pt-BR, which must show the
// Portuguese summaries. Every request the page made must have gone to the
// test server: the docs work with no internet.
func TestDocsInBrowser(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath(chromiumPath)
	if err != nil {
		t.Fatalf("chromium is required for the /docs test (apt-get install chromium): %v", err)
	}
	srv := httptest.NewServer(newAPI(t, nil))
	t.Cleanup(srv.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	defer cancelBrowser()

	var mu sync.Mutex
	var requested []string
	err = chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}

	for _, tt := range []struct {
		name, expression string
		want             *regexp.Regexp // the rendered response body
	}{
		{"2+2", "2+2", regexp.MustCompile(`"resultado":\s*4\b`)},
		// Swagger UI's own view would show 1.2676506002282294e+30.
		{"big integer exact", "2**100", regexp.MustCompile(`"resultado":\s*1267650600228229401496703205376\b`)},
		// Problems too: JSON other than numbers is shown as JSON.stringify would.
		{"problem", "1/0", regexp.MustCompile(`(?s)^\{\n  "type": "/problems/division_by_zero",\n  "title": "Division by zero",.*"code": "division_by_zero",`)},
	} {
		status, body := tryEvaluate(t, ctx, srv.URL+"/docs", tt.expression)
		want := "200"
		if tt.expression == "1/0" {
			want = "422"
		}
		if !strings.Contains(status, want) {
			t.Errorf("%s: response status shown %q, want %s", tt.name, status, want)
		}
		if !tt.want.MatchString(body) {
			t.Errorf("%s: rendered response body %q does not match %s", tt.name, body, tt.want)
		}
	}

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// In Portuguese: the page asks for the Portuguese document.
	step("open /docs?lang=pt-BR", chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/docs/?lang=pt-BR"),
		chromedp.WaitVisible(evaluateOp+` .opblock-summary-description`),
	))
	summary, err := chromedp.Run(ctx, chromedp.Text(evaluateOp+` .opblock-summary-description`))
	step("read the summary of POST /evaluate", err)
	if summary != "Avaliar uma expressão" {
		t.Errorf("/docs?lang=pt-BR shows the summary of POST /evaluate as %q", summary)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requested) == 0 {
		t.Fatal("no request was recorded; the network listener is not working")
	}
	for _, raw := range requested {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("unparsable request URL %q", raw)
			continue
		}
		switch u.Scheme {
		case "data", "blob", "about":
			continue
		}
		if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" {
			t.Errorf("/docs made a request to another host: %s", raw)
		}
	}
}

// evaluateOp is the block of POST /evaluate on the /docs page.
const evaluateOp = `#operations-evaluation-evaluate`

// tryEvaluate opens page, presses Try it out on POST /evaluate, types a
// body with expression, presses Execute and returns the status and the
// response body as the page shows them.
func tryEvaluate(t *testing.T, ctx context.Context, page, expression string) (status, body string) {
	t.Helper()
	const op = evaluateOp
	want := `{"expressao": ` + strconv.Quote(expression) + `}`
	setBody := `(() => {
		const ta = document.querySelector("` + op + ` textarea.body-param__text");
		const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
		set.call(ta, ` + strconv.Quote(want) + `);
		ta.dispatchEvent(new Event("input", {bubbles: true}));
		return ta.value;
	})()`
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s %s: %v", expression, what, err)
		}
	}
	step("open /docs and press Try it out", chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(op+` .opblock-summary`),
		chromedp.Click(op+` .opblock-summary`),
		chromedp.WaitVisible(op+` .try-out__btn`),
		chromedp.Click(op+` .try-out__btn`),
		chromedp.WaitVisible(op+` textarea.body-param__text`),
	))
	typed, err := chromedp.Run(ctx, chromedp.Evaluate[string](setBody))
	step("type the body", err)
	if typed != want {
		t.Fatalf("request body typed as %q, want %q", typed, want)
	}
	step("execute", chromedp.Do(ctx,
		chromedp.Click(op+` .execute`),
		chromedp.WaitVisible(op+` .live-responses-table .response-col_description pre`),
	))
	status, err = chromedp.Run(ctx, chromedp.Text(op+` .live-responses-table tbody .response-col_status`))
	step("read the status", err)
	body, err = chromedp.Run(ctx, chromedp.Text(op+` .live-responses-table .response-col_description pre`))
	step("read the body", err)
	return status, body
}
