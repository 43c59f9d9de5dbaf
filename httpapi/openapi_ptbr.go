package httpapi

import (
	"bytes"
	"encoding/json"
)

// The OpenAPI document in Portuguese, GET /openapi.json?lang=pt-BR, which
// /docs?lang=pt-BR (or a Portuguese browser) loads. It is the English
// document with its summaries and descriptions replaced from openapiPT;
// the schema (paths, parameters, types, examples) is the same. A text the
// table has no template for stays in English: every operation's summary
// and the main descriptions are translated, the finer print of some
// fields is not.

// openapiPT translates the summaries and descriptions of the OpenAPI
// document, with the placeholders of detailsPT.
var openapiPT = compileDetails([][2]string{
	// Info.
	{"Evaluates arithmetic expressions the way Python 3.11 does, safely, with a two-tier cache (in-process and Redis) and reliable evaluation jobs. Errors are RFC 9457 problem details (application/problem+json) whose stable code is listed at GET /problems/{code}. A method that a path does not list is answered 405 (code method_not_allowed) with an Allow header.",
		"Avalia expressões aritméticas como o Python 3.11, com segurança, com um cache de duas camadas (no processo e no Redis) e jobs de avaliação confiáveis. Os erros são problem details da RFC 9457 (application/problem+json) com um código estável, descrito em GET /problems/{code}. Envie Accept-Language: pt-BR para receber title e detail em português. Um método que um caminho não lista é respondido com 405 (código method_not_allowed) e um cabeçalho Allow."},
	{"The server that serves this document.", "O servidor que serve este documento."},

	// Summaries.
	{"Evaluate an expression", "Avaliar uma expressão"},
	{"Submit an expression for asynchronous evaluation", "Enviar uma expressão para avaliação assíncrona"},
	{"Read a batch of jobs, or list recent jobs", "Ler um lote de jobs, ou listar os jobs recentes"},
	{"Get a job's state and result", "Consultar o estado e o resultado de um job"},
	{"Cancel a queued job", "Cancelar um job na fila"},
	{"Remove abaco's cache entries", "Remover as entradas de cache do abaco"},
	{"The process is alive", "O processo está vivo"},
	{"The process is alive.", "O processo está vivo."},
	{"The server is ready", "O servidor está pronto"},
	{"Prometheus metrics", "Métricas do Prometheus"},
	{"Describe a problem type", "Descrever um tipo de problema"},

	// POST /evaluate.
	{"Evaluates the expression as Python 3.11 would, through the cache (results and deterministic errors are kept for the cache TTL, 10 s by default). resultado is a JSON number or boolean, of the same type whether the answer came from the cache or not. Errors are RFC 9457 problems with a stable code; a result of inf or nan is the problem not_finite (422).",
		"Avalia a expressão como o Python 3.11 faria, passando pelo cache (resultados e erros determinísticos ficam guardados pelo TTL do cache, 10 s por padrão). resultado é um número JSON ou booleano, do mesmo tipo venha a resposta do cache ou não. Os erros são problemas da RFC 9457 com um código estável; um resultado inf ou nan é o problema not_finite (422)."},
	{"The tutorial's body. At most {n} bytes; unknown members are rejected.", "O corpo do tutorial. No máximo $1 bytes; membros desconhecidos são recusados."},
	{"The result.", "O resultado."},
	{"hit when served from a cache tier, miss when computed.", "hit quando veio de uma camada do cache, miss quando foi calculado."},
	{`The body is not the JSON object {"expressao": string} (code invalid).`, `O corpo não é o objeto JSON {"expressao": string} (código invalid).`},
	{"The body is larger than the limit (code too_large).", "O corpo é maior que o limite (código too_large)."},
	{"The Content-Type is not JSON (code unsupported_media_type).", "O Content-Type não é JSON (código unsupported_media_type)."},
	{"The expression cannot be evaluated: codes syntax (with column), division_by_zero, overflow, domain, type, name, limit, not_finite (with repr). Deterministic errors are cached like results, so X-Cache is sent here too (limit never is cached).",
		"A expressão não pode ser avaliada: códigos syntax (com column), division_by_zero, overflow, domain, type, name, limit, not_finite (com repr). Erros determinísticos vão para o cache como os resultados, então X-Cache vem aqui também (limit nunca vai para o cache)."},
	{"Too many evaluations are running (code overloaded); see Retry-After.", "Avaliações demais em execução (código overloaded); veja Retry-After."},
	{"A bug (code internal); details are only in the server's log.", "Um bug (código internal); os detalhes ficam só no log do servidor."},

	// POST /evaluate/batch.
	{"Evaluate a batch of expressions", "Avaliar um lote de expressões"},
	{`Evaluates 1 to {n} expressions in order, each exactly as POST /evaluate would (through the cache), and answers one item per expression, in the order sent: {"avaliacao": ...}, POST /evaluate's result, or {"erro": ...}, the problem POST /evaluate would answer. The answer is 200 whenever the batch was evaluated, even if every item failed. More expressions, or answers to fetch later, go through POST /jobs with expressoes.`,
		`Avalia de 1 a $1 expressões em ordem, cada uma exatamente como POST /evaluate faria (passando pelo cache), e responde um item por expressão, na ordem enviada: {"avaliacao": ...}, o resultado de POST /evaluate, ou {"erro": ...}, o problema que POST /evaluate responderia. A resposta é 200 sempre que o lote foi avaliado, mesmo se todos os itens falharam. Mais expressões, ou respostas para buscar depois, vão por POST /jobs com expressoes.`},
	{"The expressions. At most {n} bytes; unknown members are rejected.", "As expressões. No máximo $1 bytes; membros desconhecidos são recusados."},
	{"The outcome of each expression.", "O desfecho de cada expressão."},
	{`The body is not the JSON object {"expressoes": [string, ...]} with 1 to {n} expressions (code invalid).`, `O corpo não é o objeto JSON {"expressoes": [string, ...]} com 1 a $1 expressões (código invalid).`},
	{"The expressions (1 to {n}), in Python 3.11 syntax.", "As expressões (1 a $1), na sintaxe do Python 3.11."},
	{"One item per expression, in the order of expressoes.", "Um item por expressão, na ordem de expressoes."},
	{"The result, exactly as POST /evaluate answers it.", "O resultado, exatamente como POST /evaluate o responde."},
	{"The problem POST /evaluate would have answered for this expression.", "O problema que POST /evaluate teria respondido para esta expressão."},

	// Jobs.
	{"Enqueues an evaluation job and answers at once with its id; follow the Location header (GET /jobs/{id}). {s}",
		"Enfileira um job de avaliação e responde na hora com o seu id; siga o cabeçalho Location (GET /jobs/{id}). $1"},
	{`The job was queued (JobAccepted), or with expressoes the batch (JobsAccepted: {"jobs": [...]}).`, `O job foi enfileirado (JobAccepted), ou, com expressoes, o lote (JobsAccepted: {"jobs": [...]}).`},
	{"The job's status URL (a single job, not a batch).", "A URL de estado do job (um job só, não um lote)."},
	{"Jobs are not enabled on this server (code not_found).", "Os jobs não estão habilitados neste servidor (código not_found)."},
	{"The Idempotency-Key was used with another body (code idempotency_mismatch).", "A Idempotency-Key foi usada com outro corpo (código idempotency_mismatch)."},
	{"This client is over its rate limit (code rate_limited), or the queue holds its bound of waiting jobs (code queue_full). Retry after the Retry-After seconds.",
		"Este cliente passou do seu limite de requisições (código rate_limited), ou a fila tem o máximo de jobs esperando (código queue_full). Tente de novo depois dos segundos de Retry-After."},
	{"Seconds to wait before retrying.", "Segundos de espera antes de tentar de novo."},
	{"The job id.", "O id do job."},
	{"true while the job is queued and no live worker consumes the job queue: it waits until one starts (abaco worker, or abaco serve with --workers above 0). Absent otherwise.",
		"true enquanto o job está na fila e nenhum worker vivo consome a fila de jobs: ele espera até um começar (abaco worker, ou abaco serve com --workers acima de 0). Ausente nos outros casos."},
	{"The job.", "O job."},
	{"The jobs.", "Os jobs."},
	{"The cancelled job.", "O job cancelado."},
	{"No such job, or its result has expired, or jobs are disabled (code not_found).", "Job inexistente, ou o seu resultado expirou, ou os jobs estão desabilitados (código not_found)."},
	{"A malformed wait (code invalid).", "Um wait malformado (código invalid)."},
	{"The language of the problem's title and detail: en, or pt-BR when Accept-Language asks for Portuguese.", "A língua do title e do detail do problema: en, ou pt-BR quando o Accept-Language pede português."},
	{"The scheme the admin token is sent with.", "O esquema com que o token de administração é enviado."},
	{"The request id: the client's own X-Request-Id when it sent a sane one (letters, digits, -_.:, at most 128 bytes), echoed on every answer; otherwise a new one on every problem (it is also the problem's request_id) and, with --log-requests, on every answer.",
		"O id da requisição: o X-Request-Id do próprio cliente quando ele envia um são (letras, dígitos, -_.:, no máximo 128 bytes), devolvido em toda resposta; senão um novo em todo problema (é também o request_id do problema) e, com --log-requests, em toda resposta."},
	{"The value: a JSON number for int and float results (an int with all its digits, however large; a float with the digits of Python's repr, e.g. 0.1, 1e+16), a JSON boolean for bool results. The type is the same whether the result came from the cache or not. An int may exceed 64 bits and a float64's 2^53: a client that decodes JSON numbers to doubles (JavaScript's JSON.parse) rounds it, so read the exact value from repr, or decode this member with an arbitrary-precision reader.",
		"O valor: um número JSON para resultados int e float (um int com todos os seus dígitos, por maior que seja; um float com os dígitos do repr do Python, por exemplo 0.1, 1e+16), um booleano JSON para resultados bool. O tipo é o mesmo venha o resultado do cache ou não. Um int pode passar de 64 bits e do 2^53 de um float64: um cliente que decodifica números JSON como doubles (o JSON.parse do JavaScript) o arredonda, então leia o valor exato de repr, ou decodifique este membro com um leitor de precisão arbitrária."},
	{"No such job (code not_found).", "Job inexistente (código not_found)."},
	{"The job already started or finished (code conflict).", "O job já começou ou terminou (código conflict)."},
	{"The queue is unavailable (code unavailable).", "A fila está indisponível (código unavailable)."},
	{"Hold the request until the job(s) finish, at most this long (a Go duration such as 30s, or whole seconds); cut to the server's --max-job-wait.",
		"Segura a requisição até o(s) job(s) terminar(em), no máximo por esse tempo (uma duração Go como 30s, ou segundos inteiros); limitado pelo --max-job-wait do servidor."},
	{"No token: the job id is a 128-bit random capability, as for GET /jobs/{id}.", "Sem token: o id do job é uma capacidade aleatória de 128 bits, como em GET /jobs/{id}."},

	// Admin and operations.
	{"Removes abaco's cache entries from every tier (in Redis, only keys under abaco's prefix, by SCAN and UNLINK: never FLUSHALL). Needs Authorization: Bearer <ABACO_ADMIN_TOKEN>; disabled (404) when the server has no admin token.",
		"Remove as entradas de cache do abaco de todas as camadas (no Redis, só as chaves com o prefixo do abaco, por SCAN e UNLINK: nunca FLUSHALL). Precisa de Authorization: Bearer <ABACO_ADMIN_TOKEN>; desabilitado (404) quando o servidor não tem token de administração."},
	{"The cache was emptied.", "O cache foi esvaziado."},
	{"Missing or wrong token (code unauthorized).", "Token ausente ou errado (código unauthorized)."},
	{"No admin token is configured: the endpoint is disabled (code not_found).", "Nenhum token de administração configurado: o endpoint está desabilitado (código not_found)."},
	{"The shared cache is unreachable (code unavailable).", "O cache compartilhado está inacessível (código unavailable)."},
	{"Always 200 while the process serves HTTP.", "Sempre 200 enquanto o processo atende HTTP."},
	{"The server can answer POST /evaluate.", "O servidor pode responder POST /evaluate."},
	{"Metrics in the Prometheus text format.", "Métricas no formato de texto do Prometheus."},
	{"Every problem's type URI, /problems/{code}, resolves here.", "A URI de tipo de todo problema, /problems/{code}, leva aqui."},
	{"An error code.", "Um código de erro."},
	{"The problem type.", "O tipo de problema."},
	{"No such code (code not_found).", "Código inexistente (código not_found)."},

	// The main schemas' fields.
	{"The arithmetic expression, in Python 3.11 syntax.", "A expressão aritmética, na sintaxe do Python 3.11."},
	{"The Python type of the value.", "O tipo Python do valor."},
	{"The canonical form of the expression; inputs with the same canonical form share one cache entry.", "A forma canônica da expressão; entradas com a mesma forma canônica compartilham uma entrada de cache."},
	{"The value exactly as Python's repr() prints it: all digits of an int, the shortest round-tripping digits of a float, True or False.",
		"O valor exatamente como o repr() do Python o imprime: todos os dígitos de um int, os dígitos mais curtos que reproduzem um float, True ou False."},
	{"Stable machine-readable error code; clients switch on it.", "Código de erro estável, para máquinas; os clientes decidem por ele."},
	{"Short summary of the problem type; the same for every occurrence.", "Resumo curto do tipo de problema; o mesmo em toda ocorrência (em português com Accept-Language: pt-BR)."},
	{"Human-readable explanation of this occurrence.", "Explicação desta ocorrência, para pessoas (em português com Accept-Language: pt-BR)."},
	{"The HTTP status code.", "O código de status HTTP."},
	{"For code syntax: the 1-based column (in characters) of the error in the expression.", "Para o código syntax: a coluna (em caracteres, a partir de 1) do erro na expressão."},
	{"The expression as submitted.", "A expressão como foi enviada."},
	{"When the job was submitted.", "Quando o job foi enviado."},
	{"When the job last changed state.", "Quando o job mudou de estado pela última vez."},
	{"For a done job: the result, exactly as POST /evaluate answers it.", "Para um job done: o resultado, exatamente como POST /evaluate o responde."},
	{"For a failed job: the problem POST /evaluate would have answered.", "Para um job failed: o problema que POST /evaluate teria respondido."},
	{"The job state: queued right after submission.", "O estado do job: queued logo depois do envio."},
	{"Where to ask for the job's state (also in the Location header).", "Onde consultar o estado do job (também no cabeçalho Location)."},
})

// openAPIInPT returns the Portuguese form of en, the indented English
// document: the same JSON with every summary and description that
// openapiPT has a template for translated.
func openAPIInPT(en []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(en))
	dec.UseNumber() // numbers exactly as in the English document
	var doc any
	if err := dec.Decode(&doc); err != nil {
		panic("httpapi: decode openapi: " + err.Error())
	}
	translateDocPT(doc)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		panic("httpapi: marshal openapi: " + err.Error())
	}
	return out.Bytes()
}

// translateDocPT replaces, in place, the string values of the members
// summary and description anywhere in v. A schema property named
// description or summary is an object, not a string, so it is left alone.
func translateDocPT(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "summary" || k == "description") {
				v[k] = inPT(openapiPT, s)
				continue
			}
			translateDocPT(x)
		}
	case []any:
		for _, x := range v {
			translateDocPT(x)
		}
	}
}
