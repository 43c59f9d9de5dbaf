package clients_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"abaco/clients/abacoclient"
)

// TestGoClientIsCurrent regenerates abacoclient with the command of the
// generate directive in abacoclient/doc.go and checks that it gives the
// committed bytes, so the client cannot fall behind the golden OpenAPI
// document.
func TestGoClientIsCurrent(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("abacoclient/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(line, "//go:generate "); ok {
			args = strings.Fields(rest)
		}
	}
	out := filepath.Join(t.TempDir(), "client.gen.go")
	for i := range args {
		if i > 0 && args[i-1] == "-o" {
			args[i] = out
		}
	}
	if len(args) < 2 || args[0] != "go" || !strings.Contains(strings.Join(args, " "), out) {
		t.Fatalf("abacoclient/doc.go: no go:generate line writing with -o: %q", args)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = "abacoclient"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("abacoclient/client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("abacoclient/client.gen.go is not what the golden OpenAPI document generates; run go generate ./... in clients/ and review the diff")
	}
}

// TestGoClient drives a live server through the generated Go client: each
// kind of result, a big int read exactly, a problem decoded as the Problem
// type, and a job followed to its result.
func TestGoClient(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, err := abacoclient.NewClientWithResponses(srv.URL, abacoclient.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	for _, tt := range []struct {
		expression, resultado, repr string
		tipo                        abacoclient.EvaluationTipo
	}{
		{"2+2", "4", "4", abacoclient.Int},
		{"0.1+0.2", "0.30000000000000004", "0.30000000000000004", abacoclient.Float},
		{"1<2", "true", "True", abacoclient.Bool},
		{"2**100", "1267650600228229401496703205376", "1267650600228229401496703205376", abacoclient.Int},
	} {
		r, err := c.EvaluateWithResponse(ctx, abacoclient.EvaluateJSONRequestBody{Expressao: tt.expression})
		if err != nil {
			t.Fatalf("evaluate %s: %v", tt.expression, err)
		}
		if r.JSON200 == nil {
			t.Fatalf("evaluate %s: %d %s", tt.expression, r.StatusCode(), r.Body)
		}
		e := r.JSON200
		if string(e.Resultado) != tt.resultado || e.Repr != tt.repr || e.Tipo != tt.tipo {
			t.Errorf("evaluate %s: resultado %s repr %q tipo %q, want %s %q %q", tt.expression, e.Resultado, e.Repr, e.Tipo, tt.resultado, tt.repr, tt.tipo)
		}
		if r.Headers200 == nil || r.Headers200.XCache == nil || *r.Headers200.XCache != "miss" {
			t.Errorf("evaluate %s: headers %+v, want X-Cache miss", tt.expression, r.Headers200)
		}
	}

	// The typed values a caller would read.
	num := func(expression string) json.RawMessage {
		t.Helper()
		r, err := c.EvaluateWithResponse(ctx, abacoclient.EvaluateJSONRequestBody{Expressao: expression})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("evaluate %s: %v %s", expression, err, r.Body)
		}
		return r.JSON200.Resultado
	}
	tenth, fifth := 0.1, 0.2 // variables: a constant 0.1+0.2 would be exactly 0.3
	if f, err := strconv.ParseFloat(string(num("0.1+0.2")), 64); err != nil || f != tenth+fifth {
		t.Errorf("0.1+0.2 read as %v, %v", f, err)
	}
	var b bool
	if err := json.Unmarshal(num("1<2"), &b); err != nil || !b {
		t.Errorf("1<2 read as %v, %v", b, err)
	}
	want := new(big.Int).Lsh(big.NewInt(1), 100)
	r, err := c.EvaluateWithResponse(ctx, abacoclient.EvaluateJSONRequestBody{Expressao: "2**100"})
	if err != nil || r.JSON200 == nil {
		t.Fatalf("evaluate 2**100: %v", err)
	}
	fromRepr, ok1 := new(big.Int).SetString(r.JSON200.Repr, 10)
	fromJSON, ok2 := new(big.Int).SetString(string(r.JSON200.Resultado), 10)
	if !ok1 || !ok2 || fromRepr.Cmp(want) != 0 || fromJSON.Cmp(want) != 0 {
		t.Errorf("2**100 read as %v (repr) and %v (resultado), want %v", fromRepr, fromJSON, want)
	}

	p, err := c.EvaluateWithResponse(ctx, abacoclient.EvaluateJSONRequestBody{Expressao: "1/0"})
	if err != nil {
		t.Fatal(err)
	}
	if p.StatusCode() != 422 || p.ApplicationproblemJSON422 == nil {
		t.Fatalf("1/0: %d %s, want a 422 problem", p.StatusCode(), p.Body)
	}
	prob := p.ApplicationproblemJSON422
	if prob.Code != abacoclient.ProblemCodeDivisionByZero || prob.Status != 422 || prob.Type != "/problems/division_by_zero" ||
		prob.RequestId == nil || p.Headers422 == nil || p.Headers422.XRequestId == nil || *prob.RequestId != *p.Headers422.XRequestId {
		t.Errorf("1/0: problem %+v, headers %+v", prob, p.Headers422)
	}

	batch, err := c.EvaluateBatchWithResponse(ctx, abacoclient.EvaluateBatchJSONRequestBody{Expressoes: []string{"2**100", "1/0"}})
	if err != nil {
		t.Fatal(err)
	}
	if batch.JSON200 == nil || len(batch.JSON200.Resultados) != 2 {
		t.Fatalf("evaluate batch: %d %s", batch.StatusCode(), batch.Body)
	}
	if first, second := batch.JSON200.Resultados[0], batch.JSON200.Resultados[1]; first.Avaliacao == nil || first.Avaliacao.Repr != want.String() ||
		second.Erro == nil || second.Erro.Code != abacoclient.ProblemCodeDivisionByZero {
		t.Errorf("evaluate batch: %s, want 2**100's result then division_by_zero", batch.Body)
	}

	expression := "2**64"
	s, err := c.SubmitJobWithResponse(ctx, nil, abacoclient.SubmitJobJSONRequestBody{Expressao: &expression})
	if err != nil {
		t.Fatal(err)
	}
	if s.StatusCode() != 202 || s.JSON202 == nil || s.Headers202 == nil || s.Headers202.Location == nil {
		t.Fatalf("submit: %d %s", s.StatusCode(), s.Body)
	}
	accepted, err := s.JSON202.AsJobAccepted()
	if err != nil {
		t.Fatal(err)
	}
	if *s.Headers202.Location != accepted.Url || accepted.Url != "/jobs/"+accepted.Id {
		t.Errorf("submit: Location %q, job %+v", *s.Headers202.Location, accepted)
	}
	wait := "5s"
	g, err := c.GetJobWithResponse(ctx, accepted.Id, &abacoclient.GetJobParams{Wait: &wait})
	if err != nil {
		t.Fatal(err)
	}
	if g.JSON200 == nil {
		t.Fatalf("get job: %d %s", g.StatusCode(), g.Body)
	}
	if job := g.JSON200; job.Estado != abacoclient.JobStatusEstadoDone || job.Avaliacao == nil || job.Avaliacao.Repr != "18446744073709551616" {
		t.Errorf("job after a wait of 5s: %s", g.Body)
	}
}
