package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"

	"github.com/danielgtaylor/huma/v2"
)

// The OpenAPI 3.1 document is generated from the Go types in types.go and
// errors.go by huma's schema registry, and the operations below. The
// handlers themselves are plain net/http (huma's request pipeline would
// weigh on the hot path), so testdata/openapi.json is a golden file: a test
// fails when the document changes without the golden file being updated
// (go test -update).

// mustOpenAPI returns the indented OpenAPI document.
func mustOpenAPI(maxBody int64) []byte {
	b, err := json.Marshal(buildOpenAPI(maxBody))
	if err != nil {
		panic("httpapi: marshal openapi: " + err.Error())
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		panic("httpapi: indent openapi: " + err.Error())
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func buildOpenAPI(maxBody int64) *huma.OpenAPI {
	reg := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	ref := func(v any) *huma.Schema { return reg.Schema(reflect.TypeOf(v), true, "") }
	jsonBody := func(v any) map[string]*huma.MediaType {
		return map[string]*huma.MediaType{"application/json": {Schema: ref(v)}}
	}
	problems := func(desc string) *huma.Response {
		return &huma.Response{
			Description: desc,
			Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: ref(Problem{})}},
		}
	}
	str := &huma.Schema{Type: huma.TypeString}
	xCache := &huma.Header{Description: "hit when served from a cache tier, miss when computed.", Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{"hit", "miss"}}}
	bodyLike := func(v, example any, what string) *huma.RequestBody {
		return &huma.RequestBody{
			Required:    true,
			Description: fmt.Sprintf("%s At most %d bytes; unknown members are rejected.", what, maxBody),
			Content: map[string]*huma.MediaType{"application/json": {
				Schema:  ref(v),
				Example: example,
			}},
		}
	}
	body := func(v any) *huma.RequestBody {
		return bodyLike(v, map[string]string{"expressao": "2+2"}, "The tutorial's body.")
	}
	// badRequest returns fresh answers, since each operation adds its own
	// headers to them.
	badRequest := func() map[string]*huma.Response {
		return map[string]*huma.Response{
			"400": problems("The body is not the JSON object {\"expressao\": string} (code invalid)."),
			"413": problems("The body is larger than the limit (code too_large)."),
			"415": problems("The Content-Type is not JSON (code unsupported_media_type)."),
		}
	}

	evaluate := &huma.Operation{
		OperationID: "evaluate",
		Tags:        []string{"evaluation"},
		Summary:     "Evaluate an expression",
		Description: "Evaluates the expression as Python 3.11 would, through the cache (results and deterministic errors are kept for the cache TTL, 10 s by default). " +
			"resultado is a JSON number or boolean, of the same type whether the answer came from the cache or not. " +
			"Errors are RFC 9457 problems with a stable code; a result of inf or nan is the problem not_finite (422).",
		RequestBody: body(EvaluateRequest{}),
		Responses: merged(badRequest(), map[string]*huma.Response{
			"200": {
				Description: "The result.",
				Headers:     map[string]*huma.Header{"X-Cache": xCache},
				Content:     jsonBody(Evaluation{}),
			},
			"422": {
				Description: "The expression cannot be evaluated: codes syntax (with column), division_by_zero, overflow, domain, type, name, limit, not_finite (with repr). " +
					"Deterministic errors are cached like results, so X-Cache is sent here too (limit never is cached).",
				Headers: map[string]*huma.Header{"X-Cache": xCache},
				Content: map[string]*huma.MediaType{"application/problem+json": {Schema: ref(Problem{})}},
			},
			"429": problems("Too many evaluations are running (code overloaded); see Retry-After."),
			"500": problems("A bug (code internal); details are only in the server's log."),
		}),
	}
	evaluateBatch := &huma.Operation{
		OperationID: "evaluateBatch",
		Tags:        []string{"evaluation"},
		Summary:     "Evaluate a batch of expressions",
		Description: fmt.Sprintf("Evaluates 1 to %d expressions in order, each exactly as POST /evaluate would (through the cache), "+
			"and answers one item per expression, in the order sent: {\"avaliacao\": ...}, POST /evaluate's result, or {\"erro\": ...}, "+
			"the problem POST /evaluate would answer. The answer is 200 whenever the batch was evaluated, even if every item failed. "+
			"More expressions, or answers to fetch later, go through POST /jobs with expressoes.", MaxEvaluateBatch),
		RequestBody: bodyLike(EvaluateBatchRequest{}, map[string][]string{"expressoes": {"2+2", "1/0"}}, "The expressions."),
		Responses: merged(badRequest(), map[string]*huma.Response{
			"200": {Description: "The outcome of each expression.", Content: jsonBody(EvaluationBatch{})},
			"400": problems(fmt.Sprintf("The body is not the JSON object {\"expressoes\": [string, ...]} with 1 to %d expressions (code invalid).", MaxEvaluateBatch)),
			"429": problems("Too many evaluations are running (code overloaded); see Retry-After."),
			"500": problems("A bug (code internal); details are only in the server's log."),
		}),
	}
	submit := &huma.Operation{
		OperationID: "submitJob",
		Tags:        []string{"jobs"},
		Summary:     "Submit an expression for asynchronous evaluation",
		Description: "Enqueues an evaluation job and answers at once with its id; follow the Location header (GET /jobs/{id}). " +
			"Intake is bounded: each client (the host of its address, an IPv6 /64) has a token bucket (abaco serve's --job-rate and --job-burst), " +
			"reported in the RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers; and the queue holds at most " +
			"--max-queued-jobs waiting jobs, shared by every server on one Redis. Either answers 429 with Retry-After.",
		RequestBody: body(SubmitRequest{}),
		Responses: merged(badRequest(), map[string]*huma.Response{
			"202": {
				Description: "The job was queued.",
				Headers: map[string]*huma.Header{
					"Location": {Description: "The job's status URL (a single job, not a batch).", Schema: str},
				},
				Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{
					OneOf: []*huma.Schema{ref(JobAccepted{}), ref(JobsAccepted{})},
				}}},
			},
			"404": problems("Jobs are not enabled on this server (code not_found)."),
			"429": problems("This client is over its rate limit (code rate_limited), or the queue holds its bound of waiting jobs (code queue_full). " +
				"Retry after the Retry-After seconds."),
			"503": problems("The queue is unavailable, or, with abaco serve's --jobs-durability, too few Redis replicas acknowledged the job in time: then the job may still exist and run, and a retry creates a second one (code unavailable); see Retry-After."),
		}),
	}
	getJob := &huma.Operation{
		OperationID: "getJob",
		Tags:        []string{"jobs"},
		Summary:     "Get a job's state and result",
		Parameters:  []*huma.Param{{Name: "id", In: "path", Required: true, Description: "The job id.", Schema: str}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The job.", Content: jsonBody(JobStatus{})},
			"400": problems("A malformed wait (code invalid)."),
			"404": problems("No such job, or its result has expired, or jobs are disabled (code not_found)."),
			"503": problems("The queue is unavailable (code unavailable)."),
		},
	}
	waitParams := []*huma.Param{
		{Name: "wait", In: "query", Description: "Hold the request until the job(s) finish, at most this long (a Go duration such as 30s, or whole seconds); cut to the server's --max-job-wait.", Schema: str},
		{Name: "Prefer", In: "header", Description: "RFC 7240 wait=N (seconds), as ?wait=; answered with Preference-Applied when honoured.", Schema: str},
	}
	getJob.Parameters = append(getJob.Parameters, waitParams...)
	getJob.Responses["200"].Headers = map[string]*huma.Header{"Preference-Applied": {Description: "wait=N when Prefer: wait was honoured.", Schema: str}}
	listJobs := &huma.Operation{
		OperationID: "listJobs",
		Tags:        []string{"jobs"},
		Summary:     "Read a batch of jobs, or list recent jobs",
		Description: "With ids: the jobs in order (unknown ones as estado not_found), honouring wait and Prefer. Without ids: recent jobs, newest first; needs the admin token.",
		// Either no token (with ids) or the admin token (a listing).
		Security: []map[string][]string{{}, {adminScheme: {}}},
		Parameters: append([]*huma.Param{
			{Name: "ids", In: "query", Description: "Up to 1000 job ids, separated by commas.", Schema: str},
			{Name: "state", In: "query", Description: "Listing only: queued, running, done, failed or cancelled.", Schema: str},
			{Name: "limit", In: "query", Description: "Listing only: 1 to 1000, default 50.", Schema: &huma.Schema{Type: huma.TypeInteger}},
			{Name: "cursor", In: "query", Description: "Listing only: the next of the previous page.", Schema: str},
		}, waitParams...),
		Responses: map[string]*huma.Response{
			"200": {Description: "The jobs.", Content: jsonBody(JobList{}), Headers: map[string]*huma.Header{
				"Link":               {Description: `Listing only: </jobs?cursor=...>; rel="next" while there is a next page.`, Schema: str},
				"Preference-Applied": {Description: "wait=N when Prefer: wait was honoured.", Schema: str},
			}},
			"400": problems("Bad ids, state, limit or wait (code invalid)."),
			"401": problems("Listing without the right admin token (code unauthorized)."),
			"404": problems("Listing with no admin token configured, or jobs disabled (code not_found)."),
			"503": problems("The queue is unavailable (code unavailable)."),
		},
	}
	cancelJob := &huma.Operation{
		OperationID: "cancelJob",
		Tags:        []string{"jobs"},
		Summary:     "Cancel a queued job",
		Description: "No token: the job id is a 128-bit random capability, as for GET /jobs/{id}.",
		Parameters:  []*huma.Param{{Name: "id", In: "path", Required: true, Description: "The job id.", Schema: str}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The cancelled job.", Content: jsonBody(JobStatus{})},
			"404": problems("No such job (code not_found)."),
			"409": problems("The job already started or finished (code conflict)."),
			"503": problems("The queue is unavailable (code unavailable)."),
		},
	}
	submit.Parameters = []*huma.Param{{Name: "Idempotency-Key", In: "header", Description: "1 to 255 printable ASCII characters; a repeat returns the same job(s), another body with the same key is 422 idempotency_mismatch.", Schema: str}}
	submit.Responses["202"].Description = "The job was queued (JobAccepted), or with expressoes the batch (JobsAccepted: {\"jobs\": [...]})."
	submit.Responses["422"] = problems("The Idempotency-Key was used with another body (code idempotency_mismatch).")
	// The limiter's fields come with every answer once it has run, which
	// is everything but the 404 of a server without jobs.
	for code, resp := range submit.Responses {
		if code != "404" {
			resp.Headers = merged(resp.Headers, map[string]*huma.Header{"RateLimit-Policy": rateLimitPolicyHeader, "RateLimit": rateLimitHeader})
		}
	}
	flush := &huma.Operation{
		OperationID: "flushCache",
		Tags:        []string{"admin"},
		Summary:     "Remove abaco's cache entries",
		Description: "Removes abaco's cache entries from every tier (in Redis, only keys under abaco's prefix, by SCAN and UNLINK: never FLUSHALL). " +
			"Needs Authorization: Bearer <ABACO_ADMIN_TOKEN>; disabled (404) when the server has no admin token.",
		Security: []map[string][]string{{adminScheme: {}}},
		Responses: map[string]*huma.Response{
			"200": {Description: "The cache was emptied.", Content: jsonBody(CacheFlushed{})},
			"401": problems("Missing or wrong token (code unauthorized)."),
			"404": problems("No admin token is configured: the endpoint is disabled (code not_found)."),
			"503": problems("The shared cache is unreachable (code unavailable)."),
		},
	}
	statusOp := func(id, summary, desc string, extra map[string]*huma.Response) *huma.Operation {
		return &huma.Operation{
			OperationID: id, Tags: []string{"operations"}, Summary: summary, Description: desc,
			Responses: merged(map[string]*huma.Response{"200": {Description: summary + ".", Content: jsonBody(Status{})}}, extra),
		}
	}
	doc := &huma.OpenAPI{
		OpenAPI: "3.1.0",
		// Relative, so the document is right at whatever address the
		// server answers, and Swagger UI at /docs sends its requests to
		// the server that served it.
		Servers: []*huma.Server{{URL: "/", Description: "The server that serves this document."}},
		Info: &huma.Info{
			Title:   "abaco",
			Version: "1",
			Description: "Evaluates arithmetic expressions the way Python 3.11 does, safely, with a two-tier cache " +
				"(in-process and Redis) and reliable evaluation jobs. Errors are RFC 9457 problem details " +
				"(application/problem+json) whose stable code is listed at GET /problems/{code}. " +
				"A method that a path does not list is answered 405 (code method_not_allowed) with an Allow header.",
		},
		Paths: map[string]*huma.PathItem{
			"/evaluate":       {Post: evaluate},
			"/evaluate/batch": {Post: evaluateBatch},
			"/jobs":           {Post: submit, Get: listJobs},
			"/jobs/{id}":      {Get: getJob, Delete: cancelJob},
			"/cache":          {Delete: flush},
			"/healthz":        {Get: statusOp("healthz", "The process is alive", "Always 200 while the process serves HTTP.", nil)},
			"/readyz": {Get: &huma.Operation{
				OperationID: "readyz", Tags: []string{"operations"}, Summary: "The server is ready",
				Description: "200 while the server can answer POST /evaluate, which it can without the shared cache: " +
					"status ready when Redis answers and is fit for its use, or none is configured; status degraded otherwise, " +
					"with one entry per condition in degraded: unreachable (a Redis outage), writes_refused (Redis answers reads " +
					"but refuses writes: OOM, READONLY, MISCONF; reason is Redis's text) or evicting_policy (the Redis holding " +
					"the job queue may evict its keys). Started with --ready-requires-redis, an unreachable Redis is 503 instead.",
				Responses: map[string]*huma.Response{
					"200": {Description: "The server can answer POST /evaluate.", Content: jsonBody(Readiness{})},
					"503": problems("With --ready-requires-redis only: Redis is unreachable (code unavailable)."),
				},
			}},
			"/metrics": {Get: &huma.Operation{
				OperationID: "metrics", Tags: []string{"operations"}, Summary: "Prometheus metrics",
				Responses: map[string]*huma.Response{"200": {
					Description: "Metrics in the Prometheus text format.",
					Content:     map[string]*huma.MediaType{"text/plain": {Schema: str}},
				}},
			}},
			"/problems/{code}": {Get: &huma.Operation{
				OperationID: "problemType", Tags: []string{"operations"}, Summary: "Describe a problem type",
				Description: "Every problem's type URI, /problems/{code}, resolves here.",
				Parameters:  []*huma.Param{{Name: "code", In: "path", Required: true, Description: "An error code.", Schema: str}},
				Responses: map[string]*huma.Response{
					"200": {Description: "The problem type.", Content: jsonBody(ProblemType{}),
						Headers: map[string]*huma.Header{"Content-Language": headerRef("Content-Language")}},
					"404": problems("No such code (code not_found)."),
				},
			}},
		},
		Components: &huma.Components{
			Schemas: reg,
			SecuritySchemes: map[string]*huma.SecurityScheme{
				adminScheme: {Type: "http", Scheme: "bearer", Description: "The value of ABACO_ADMIN_TOKEN."},
			},
			Headers: sharedHeaders(),
		},
	}
	applyRules(doc, ref(Problem{}))
	return doc
}

// The RateLimit fields of POST /jobs, present while the per-client limit is on.
var (
	rateLimitPolicyHeader = &huma.Header{
		Description: `The client's quota policy (draft-ietf-httpapi-ratelimit-headers): "jobs";q=<burst>;w=<seconds to refill it>.`,
		Schema:      &huma.Schema{Type: huma.TypeString, Examples: []any{`"jobs";q=40;w=2`}},
	}
	rateLimitHeader = &huma.Header{
		Description: `The client's service limit: "jobs";r=<requests left>;t=<seconds within which no more than r can be used>.`,
		Schema:      &huma.Schema{Type: huma.TypeString, Examples: []any{`"jobs";r=39;t=1`}},
	}
)

// merged returns a new map with the entries of base and more; more's win.
func merged[V any](base, more map[string]V) map[string]V {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]V{}
	}
	maps.Copy(out, more)
	return out
}
