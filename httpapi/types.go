package httpapi

import (
	"time"

	"github.com/danielgtaylor/huma/v2"

	"abaco"
)

// The request and response types of the API. The OpenAPI document is
// generated from them (openapi.go); the hot /evaluate path encodes its
// response by hand (encode.go) and a test decodes that output into these
// types with unknown fields rejected, so the two cannot drift apart.

// EvaluateRequest is the body of POST /evaluate and POST /jobs, the
// tutorial's {"expressao": "..."}.
type EvaluateRequest struct {
	Expressao string `json:"expressao" doc:"The arithmetic expression, in Python 3.11 syntax." example:"2+2"`
}

// Evaluation is the answer of POST /evaluate, and the result of a done
// job.
type Evaluation struct {
	// Resultado is the value as a JSON number or boolean.
	Resultado Value `json:"resultado"`
	// ExpressaoCanonica is the canonical form of the expression (the cache key).
	ExpressaoCanonica string `json:"expressao_canonica" doc:"The canonical form of the expression; inputs with the same canonical form share one cache entry." example:"2 + 2"`
	// Repr is the value as Python's repr prints it.
	Repr string `json:"repr" doc:"The value exactly as Python's repr() prints it: all digits of an int, the shortest round-tripping digits of a float, True or False." example:"4"`
	// Tipo is the Python type of the value.
	Tipo abaco.Kind `json:"tipo" enum:"int,float,bool" doc:"The Python type of the value." example:"int"`
	// Cache says whether the result was computed or served from a cache.
	Cache abaco.CacheStatus `json:"cache" enum:"hit,miss,bypass" doc:"hit: served from a cache tier; miss: computed and cached; bypass: computed without the cache (the shared cache is unavailable). Also in the X-Cache header (hit or miss)." example:"miss"`
	// Camada names the cache tier of a hit.
	Camada string `json:"camada,omitempty" enum:"local,shared" doc:"On a hit, the tier that answered: local (this process) or shared (Redis, when configured)."`
}

// EvaluateBatchRequest is the body of POST /evaluate/batch.
type EvaluateBatchRequest struct {
	Expressoes []string `json:"expressoes" nullable:"false" minItems:"1" maxItems:"100" doc:"The expressions (1 to 100), in Python 3.11 syntax."`
}

// EvaluationBatch is the answer of POST /evaluate/batch.
type EvaluationBatch struct {
	Resultados []EvaluationItem `json:"resultados" nullable:"false" doc:"One item per expression, in the order of expressoes."`
}

// EvaluationItem is the outcome of one expression of a batch: exactly one
// of its members is set, with the names a job's state uses.
type EvaluationItem struct {
	// Avaliacao is the result, as POST /evaluate answers it.
	Avaliacao *Evaluation `json:"avaliacao,omitempty" doc:"The result, exactly as POST /evaluate answers it."`
	// Erro is the problem POST /evaluate would have answered.
	Erro *Problem `json:"erro,omitempty" doc:"The problem POST /evaluate would have answered for this expression."`
}

// Value is a result as raw JSON: a number (an int with all its digits, a
// float with Python's repr digits) or a boolean.
type Value string

// MarshalJSON returns the raw JSON literal.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(v), nil }

// UnmarshalJSON keeps the raw JSON literal, so ints never lose digits.
func (v *Value) UnmarshalJSON(b []byte) error {
	*v = Value(b)
	return nil
}

// Schema describes Value in the OpenAPI document: a number or a boolean,
// with no format, since an int may have any number of digits. Generators
// map a number without a format to a float (oapi-codegen: float32), which
// would lose digits, so x-go-type makes oapi-codegen's Go type
// json.RawMessage: the literal as sent. Other generators ignore it.
func (Value) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "The value: a JSON number for int and float results (an int with all its digits, " +
			"however large; a float with the digits of Python's repr, e.g. 0.1, 1e+16), a JSON boolean for bool results. " +
			"The type is the same whether the result came from the cache or not. " +
			"An int may exceed 64 bits and a float64's 2^53: a client that decodes JSON numbers to doubles (JavaScript's JSON.parse) " +
			"rounds it, so read the exact value from repr, or decode this member with an arbitrary-precision reader.",
		OneOf:      []*huma.Schema{{Type: huma.TypeNumber}, {Type: huma.TypeBoolean}},
		Examples:   []any{4},
		Extensions: map[string]any{"x-go-type": "json.RawMessage"},
	}
}

// JobAccepted is the answer of POST /jobs.
type JobAccepted struct {
	ID     string         `json:"id" doc:"The job id." example:"01JBX6Q9T2E4"`
	Estado abaco.JobState `json:"estado" enum:"queued,running,done,failed" doc:"The job state: queued right after submission." example:"queued"`
	URL    string         `json:"url" doc:"Where to ask for the job's state (also in the Location header)." example:"/jobs/01JBX6Q9T2E4"`
	// SemWorker is JobStatus.SemWorker, known at submission already.
	SemWorker bool `json:"sem_worker,omitempty" doc:"true while the job is queued and no live worker consumes the job queue: it waits until one starts (abaco worker, or abaco serve with --workers above 0). Absent otherwise."`
}

// JobsAccepted is the answer of POST /jobs with "expressoes".
type JobsAccepted struct {
	Jobs []JobAccepted `json:"jobs" nullable:"false" doc:"The queued jobs, in the order of expressoes."`
}

// SubmitRequest is the body of POST /jobs: expressao for one job, or
// expressoes for a batch; exactly one of the two.
type SubmitRequest struct {
	Expressao  string   `json:"expressao,omitempty" doc:"One expression, in Python 3.11 syntax." example:"2+2"`
	Expressoes []string `json:"expressoes,omitempty" nullable:"false" doc:"A batch of expressions (1 to 1000), queued all or none." maxItems:"1000" minItems:"1"`
}

// TransformSchema says in SubmitRequest's schema that exactly one of its
// members is sent.
func (SubmitRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	one := 1
	s.MinProperties, s.MaxProperties = &one, &one
	return s
}

// JobList is the answer of GET /jobs: a batch read (?ids=) or a page of
// recent jobs.
type JobList struct {
	Jobs []JobStatus `json:"jobs" nullable:"false" doc:"The jobs: in the order of ids for a batch read (an unknown or expired one is {\"id\", \"estado\": \"not_found\"}); newest first for a listing."`
	Next string      `json:"next,omitempty" doc:"For a listing: the cursor of the next page (also in the Link header); absent on the last page."`
}

// JobStatus is the answer of GET /jobs/{id}.
type JobStatus struct {
	ID           string         `json:"id" doc:"The job id."`
	Estado       abaco.JobState `json:"estado" enum:"queued,running,done,failed,cancelled,not_found" doc:"queued, running, done (avaliacao is set), failed (erro is set) or cancelled; not_found only in GET /jobs?ids= for an unknown or expired id, with no other member but id."`
	Expressao    string         `json:"expressao,omitempty" doc:"The expression as submitted."`
	Tentativas   int            `json:"tentativas,omitempty" doc:"How many times a worker has taken the job (absent while zero)."`
	CriadoEm     time.Time      `json:"criado_em,omitzero" doc:"When the job was submitted."`
	AtualizadoEm time.Time      `json:"atualizado_em,omitzero" doc:"When the job last changed state."`
	// Avaliacao is the result of a done job, in the shape of POST /evaluate's answer.
	Avaliacao *Evaluation `json:"avaliacao,omitempty" doc:"For a done job: the result, exactly as POST /evaluate answers it."`
	// Erro is the failure of a failed job, as the problem POST /evaluate would answer.
	Erro *Problem `json:"erro,omitempty" doc:"For a failed job: the problem POST /evaluate would have answered."`
	// SemWorker warns that a queued job has no worker to run it.
	SemWorker bool `json:"sem_worker,omitempty" doc:"true while the job is queued and no live worker consumes the job queue: it waits until one starts (abaco worker, or abaco serve with --workers above 0). Absent otherwise."`
}

// CacheFlushed is the answer of DELETE /cache.
type CacheFlushed struct {
	Removidas int64 `json:"removidas" doc:"How many cache entries were removed." example:"3"`
}

// Status is the answer of /healthz.
type Status struct {
	Status string `json:"status" enum:"ok" doc:"ok: the process is alive." example:"ok"`
}

// Readiness is the 200 answer of /readyz: the server can answer
// POST /evaluate, and Degraded lists the dependencies it is doing without
// or with less of.
type Readiness struct {
	Status   string        `json:"status" enum:"ready,degraded" doc:"ready: every dependency answers and is fit for its use (or none is configured); degraded: the server answers, without or with less of what degraded lists." example:"ready"`
	Degraded []Degradation `json:"degraded,omitempty" nullable:"false" doc:"The degraded dependencies, when status is degraded: one entry per condition, in the order unreachable, writes_refused, evicting_policy."`
}

// Degradation is a condition of a dependency that the server works
// around. Dependency and Condition are stable values to match on; Reason
// is text for a person.
type Degradation struct {
	Dependency string    `json:"dependency" enum:"redis" doc:"The degraded dependency: redis." example:"redis"`
	Condition  string    `json:"condition" enum:"unreachable,writes_refused,evicting_policy" doc:"unreachable: Redis does not answer; requests are evaluated without the shared cache. writes_refused: Redis answers reads but refuses writes (OOM at maxmemory under noeviction, READONLY replica, MISCONF); results are still read from it, writing new ones is paused. evicting_policy: the Redis that holds the job queue has a maxmemory-policy that evicts keys (allkeys-*, volatile-*), so a full Redis may silently delete queued jobs and job records." example:"unreachable"`
	Since      time.Time `json:"since" doc:"When the condition began, as far as this process saw it (RFC 3339, UTC, whole seconds)." example:"2026-12-02T12:00:00Z"`
	Reason     string    `json:"reason" doc:"What is wrong and what the server does meanwhile. For writes_refused, Redis's own error text; for evicting_policy, the policy." example:"the shared cache (Redis) is unreachable; requests are evaluated without it"`
}
