package httpapi

import (
	"regexp"
	"strings"

	"abaco"
)

// Problems in Brazilian Portuguese. The engine and the services below the
// HTTP layer speak English only (their messages are generated, and the
// engine stays free of presentation); a problem is translated here, as it
// is written, when the client's Accept-Language asks for Portuguese. The
// code, the column and every other member stay as they are: clients
// switch on the code, never on the text.

// titlesPT holds the Portuguese title of every code of problemKinds; a test
// fails when a code has none.
var titlesPT = map[abaco.Code]string{
	abaco.CodeSyntax:               "Sintaxe de expressão inválida",
	abaco.CodeDivisionByZero:       "Divisão por zero",
	abaco.CodeOverflow:             "Resultado numérico fora do intervalo",
	abaco.CodeDomain:               "Erro de domínio matemático",
	abaco.CodeType:                 "Tipo de operando ou argumento não suportado",
	abaco.CodeName:                 "Nome desconhecido",
	abaco.CodeLimit:                "A expressão excede um limite",
	abaco.CodeNotFinite:            "O resultado não é um número finito",
	abaco.CodeInvalid:              "Requisição inválida",
	abaco.CodeTooLarge:             "Corpo da requisição grande demais",
	abaco.CodeUnsupportedMediaType: "Tipo de mídia não suportado",
	abaco.CodeNotFound:             "Não encontrado",
	codeMethodNotAllowed:           "Método não permitido",
	abaco.CodeUnauthorized:         "Não autorizado",
	abaco.CodeConflict:             "Conflito",
	abaco.CodeIdempotencyMismatch:  "Chave de idempotência reutilizada",
	abaco.CodeOverloaded:           "Avaliações simultâneas demais",
	abaco.CodeQueueFull:            "Fila de jobs cheia",
	abaco.CodeRateLimited:          "Limite de requisições excedido",
	abaco.CodeUnavailable:          "Serviço indisponível",
	abaco.CodeInternal:             "Erro interno",
}

// detailPT is one template of detailsPT: an English message, with
// placeholders, and its Portuguese form.
type detailPT struct {
	re *regexp.Regexp
	pt string // regexp.Expand template: $1 is the first placeholder
}

// detailsPT translates the details of problems, one template per message
// the code base generates (expr/, the services, this package). In the
// English text, {n} stands for a number, {w} for a word (a type, an
// operator, a function or attribute name, a quoted id) and {s} for any
// text (kept untranslated, as Go's or Redis's error texts are); the
// Portuguese text names them $1, $2... in order.
var detailsPT = compileDetails([][2]string{
	// Division by zero (code division_by_zero).
	{"division by zero", "divisão por zero"},
	{"float division by zero", "divisão de float por zero"},
	{"integer modulo by zero", "módulo inteiro por zero"},
	{"integer division or modulo by zero", "divisão inteira ou módulo por zero"},
	{"float modulo by zero", "módulo de float por zero"},
	{"float floor division by zero", "divisão inteira de float por zero"},
	{"0.0 cannot be raised to a negative power", "0.0 não pode ser elevado a uma potência negativa"},

	// Overflow and domain.
	{"integer division result too large for a float", "resultado da divisão inteira grande demais para um float"},
	{"int too large to convert to float", "int grande demais para converter em float"},
	{"math range error", "erro de intervalo matemático: resultado grande demais"},
	{"complex power result too large", "resultado complexo da potência grande demais"},
	{"float power result too large", "resultado float da potência grande demais"},
	{"rounded value too large to represent", "valor arredondado grande demais para representar"},
	{"cannot convert float infinity to integer", "não é possível converter float infinito em inteiro"},
	{"cannot convert float NaN to integer", "não é possível converter float NaN em inteiro"},
	{"math domain error", "erro de domínio matemático"},
	{"negative shift count", "deslocamento negativo"},
	{"pow() 3rd argument cannot be 0", "o 3º argumento de pow() não pode ser 0"},
	{"base is not invertible for the given modulus", "a base não é invertível para o módulo dado"},
	{"factorial() not defined for negative values", "factorial() não é definido para valores negativos"},
	{"negative number cannot be raised to a fractional power (result is complex)", "número negativo não pode ser elevado a uma potência fracionária (o resultado é complexo)"},

	// Types and names.
	{"unsupported operand type(s) for {s}: '{w}' and '{w}'", "tipo(s) de operando não suportado(s) para $1: '$2' e '$3'"},
	{"bad operand type for unary ~: '{w}'", "tipo de operando inválido para ~ unário: '$1'"},
	{"'{w}' object is not callable", "o objeto '$1' não pode ser chamado"},
	{"int() can't convert non-string with explicit base", "int() não converte um valor que não é string com base explícita"},
	{"'{w}' object is not iterable: {w}() needs two or more numbers", "o objeto '$1' não é iterável: $2() precisa de dois ou mais números"},
	{"pow() 3rd argument not allowed unless all arguments are integers", "o 3º argumento de pow() só é permitido se todos os argumentos forem inteiros"},
	{"'{w}' object cannot be interpreted as an integer", "o objeto '$1' não pode ser interpretado como inteiro"},
	{"{w}() takes exactly {n} argument ({n} given)", "$1() recebe exatamente $2 argumento ($3 dados)"},
	{"{w}() takes exactly {n} arguments ({n} given)", "$1() recebe exatamente $2 argumentos ($3 dados)"},
	{"{w}() takes at least {n} argument ({n} given)", "$1() recebe pelo menos $2 argumento ($3 dados)"},
	{"{w}() takes at least {n} arguments ({n} given)", "$1() recebe pelo menos $2 argumentos ($3 dados)"},
	{"{w}() takes at most {n} argument ({n} given)", "$1() recebe no máximo $2 argumento ($3 dados)"},
	{"{w}() takes at most {n} arguments ({n} given)", "$1() recebe no máximo $2 argumentos ($3 dados)"},
	{"{w} expected {n} arguments, got {n}", "$1 esperava $2 argumentos, recebeu $3"},
	{"{w} expected {n} to {n} arguments, got {n}", "$1 esperava de $2 a $3 argumentos, recebeu $4"},
	{"math is a module, not a number: use math.name, as in math.pi", "math é um módulo, não um número: use math.nome, como em math.pi"},
	{"{w} is a function, not a number: call it, as in {w}(x)", "$1 é uma função, não um número: chame-a, como em $2(x)"},
	{"name '{w}' is not defined", "o nome '$1' não está definido"},
	{"module 'math' has no attribute '{w}'", "o módulo 'math' não tem o atributo '$1'"},
	{"'{w}' object has no attribute '{w}' (attributes are not supported)", "o objeto '$1' não tem o atributo '$2' (atributos não são suportados)"},

	// Syntax (code syntax; the column is a member of its own).
	{"empty expression", "expressão vazia"},
	{"unexpected end of expression", "fim inesperado da expressão"},
	{"assignment is not an expression", "atribuição não é uma expressão"},
	{"invalid character '{s}' (U+{w})", "caractere inválido '$1' (U+$2)"},
	{"invalid character '{s}'", "caractere inválido '$1'"},
	{"invalid non-printable character U+{w}", "caractere não imprimível inválido U+$1"},
	{"invalid UTF-8 byte {w}", "byte UTF-8 inválido $1"},
	{"'{s}' is not supported", "'$1' não é suportado"},
	{"unexpected '{s}'", "'$1' inesperado"},
	{"expected 'else' after 'if' expression", "esperado 'else' depois da expressão 'if'"},
	{"'not' needs parentheses here", "'not' precisa de parênteses aqui"},
	{"keyword arguments are not supported", "argumentos nomeados não são suportados"},
	{"'(' was never closed", "'(' nunca foi fechado"},
	{"invalid float literal", "literal float inválido"},
	{"invalid integer literal", "literal inteiro inválido"},
	{"empty parentheses (tuples are not supported)", "parênteses vazios (tuplas não são suportadas)"},
	{"tuples are not supported", "tuplas não são suportadas"},

	// Limits (code limit).
	{"expression is {n} bytes long, more than the limit of {n}", "a expressão tem $1 bytes, mais que o limite de $2"},
	{"expression has more than {n} nodes", "a expressão tem mais de $1 nós"},
	{"expression is nested more than {n} levels deep", "a expressão tem mais de $1 níveis de aninhamento"},
	{"expression needs more work than the limit of {n} units", "a expressão precisa de mais trabalho que o limite de $1 unidades"},
	{"integer literal has more than {n} bits", "o literal inteiro tem mais de $1 bits"},
	{"integer result would be far larger than the limit of {n} bits", "o resultado inteiro seria muito maior que o limite de $1 bits"},
	{"integer result would have about {n} bits, more than the limit of {n}", "o resultado inteiro teria cerca de $1 bits, mais que o limite de $2"},
	{"the result is {w}, which JSON cannot represent as a number", "o resultado é $1, que JSON não representa como número"},

	// Requests.
	{`the request body is empty; send {"expressao": "2+2"}`, `o corpo da requisição está vazio; envie {"expressao": "2+2"}`},
	{`the request body is empty; send {"expressao": "2+2"} or {"expressoes": ["2+2"]}`, `o corpo da requisição está vazio; envie {"expressao": "2+2"} ou {"expressoes": ["2+2"]}`},
	{"the request body is not the expected JSON object: {s}", "o corpo da requisição não é o objeto JSON esperado: $1"},
	{`the request body must be a JSON object such as {"expressao": "2+2"}`, `o corpo da requisição deve ser um objeto JSON como {"expressao": "2+2"}`},
	{`the request body has an unknown member {w}; the only member is "expressao"`, `o corpo da requisição tem um membro desconhecido $1; o único membro é "expressao"`},
	{`the request body has an unknown member {w}; the members are "expressao" or "expressoes"`, `o corpo da requisição tem um membro desconhecido $1; os membros são "expressao" ou "expressoes"`},
	{`the request body has "expressao" twice`, `o corpo da requisição tem "expressao" duas vezes`},
	{"the request body has {w} twice", "o corpo da requisição tem $1 duas vezes"},
	{`"expressao" must be a string, such as "2+2"`, `"expressao" deve ser uma string, como "2+2"`},
	{`"expressoes" must be an array of strings, such as ["2+2", "3*4"]`, `"expressoes" deve ser um array de strings, como ["2+2", "3*4"]`},
	{"the request body has data after the JSON object", "o corpo da requisição tem dados depois do objeto JSON"},
	{`the request body has no "expressao" member; send {"expressao": "2+2"}`, `o corpo da requisição não tem o membro "expressao"; envie {"expressao": "2+2"}`},
	{`the request body must have "expressao" or "expressoes", not both`, `o corpo da requisição deve ter "expressao" ou "expressoes", não os dois`},
	{`POST /evaluate/batch takes {"expressoes": ["2+2", "3*4"]}; send a single expression to POST /evaluate`, `POST /evaluate/batch recebe {"expressoes": ["2+2", "3*4"]}; envie uma expressão só para POST /evaluate`},
	{`"expressoes" must hold 1 to {n} expressions, not {n}; submit more as jobs with POST /jobs`, `"expressoes" deve ter de 1 a $1 expressões, não $2; envie mais como jobs com POST /jobs`},
	{"reading the request body: {s}", "lendo o corpo da requisição: $1"},
	{"the request body is larger than {n} bytes", "o corpo da requisição tem mais de $1 bytes"},
	{"the request body must be application/json, not {s}", "o corpo da requisição deve ser application/json, não $1"},
	{"no such endpoint: {s}", "endpoint inexistente: $1"},
	{"{w} is not allowed on {s} (allowed: {s})", "$1 não é permitido em $2 (permitidos: $3)"},
	{"no problem type {s}", "tipo de problema inexistente: $1"},
	{"no such documentation file: {s}", "arquivo de documentação inexistente: $1"},
	{"wait must be a duration such as 30s or whole seconds, not {s}", "wait deve ser uma duração como 30s ou segundos inteiros, não $1"},
	{"ids must list 1 to {n} job ids separated by commas, not {n}", "ids deve listar de 1 a $1 ids de job separados por vírgulas, não $2"},
	{"state must be queued, running, done, failed or cancelled, not {s}", "state deve ser queued, running, done, failed ou cancelled, não $1"},
	{"limit must be 1 to {n}, not {s}", "limit deve ser de 1 a $1, não $2"},
	{"cursor {s} is not one a listing of jobs returned", "o cursor $1 não foi devolvido por uma listagem de jobs"},
	{"Idempotency-Key must be 1 to 255 printable ASCII characters", "Idempotency-Key deve ter de 1 a 255 caracteres ASCII imprimíveis"},
	{"the Idempotency-Key was already used with a different request; use a new key for new work", "a Idempotency-Key já foi usada com outra requisição; use uma chave nova para um trabalho novo"},

	// Jobs, admin and the service.
	{"jobs are not enabled on this server", "os jobs não estão habilitados neste servidor"},
	{"no job {s}: it never existed or its result has expired", "não há job $1: ele nunca existiu ou seu resultado expirou"},
	{"job {s} not found", "job $1 não encontrado"},
	{"job {w} is {w}; only a queued job can be cancelled", "o job $1 está $2; só um job na fila (queued) pode ser cancelado"},
	{"job {w} has started; only a queued job can be cancelled", "o job $1 já começou; só um job na fila (queued) pode ser cancelado"},
	{"job failed without an error", "o job falhou sem um erro"},
	{"this client sent more than {n} jobs at once or {n} a second; retry after the Retry-After seconds", "este cliente enviou mais de $1 jobs de uma vez ou $2 por segundo; tente de novo depois dos segundos de Retry-After"},
	{"this client has fewer tokens left than the {n} expressions of the batch; retry after the Retry-After seconds", "este cliente tem menos fichas que as $1 expressões do lote; tente de novo depois dos segundos de Retry-After"},
	{"the job queue {w} holds {n} waiting jobs, its bound; retry later", "a fila de jobs $1 tem $2 jobs esperando, o seu limite; tente mais tarde"},
	{"{n} evaluations are already running; retry after {n} s", "$1 avaliações já estão em execução; tente de novo em $2 s"},
	{"{s} failed: the backend is unavailable; retry later", "$1 falhou: o backend está indisponível; tente mais tarde"},
	{unreachableReason, "o cache compartilhado (Redis) está inacessível; as requisições são avaliadas sem ele"},
	{"shared cache unavailable (circuit breaker open)", "cache compartilhado indisponível (disjuntor aberto)"},
	{"shared cache unavailable: {s}", "cache compartilhado indisponível: $1"},
	{"shared cache flushed, but other processes could not be told: {s}", "cache compartilhado esvaziado, mas não foi possível avisar os outros processos: $1"},
	{"DELETE /cache is disabled: this server has no cache", "DELETE /cache está desabilitado: este servidor não tem cache"},
	{"{s} is disabled: start abaco serve with an admin token (ABACO_ADMIN_TOKEN) to enable it", "$1 está desabilitado: inicie abaco serve com um token de administração (ABACO_ADMIN_TOKEN) para habilitá-lo"},
	{"{s} needs the header Authorization: Bearer <ABACO_ADMIN_TOKEN>", "$1 precisa do cabeçalho Authorization: Bearer <ABACO_ADMIN_TOKEN>"},
	{"internal error", "erro interno"},
})

// placeholders are the patterns of detailsPT's placeholders. {w} excludes
// spaces and the quotes that delimit it, so "'{w}' and '{w}'" splits at
// the right quote.
var placeholders = strings.NewReplacer(
	regexp.QuoteMeta("{n}"), `(-?[0-9][0-9.e+]*)`,
	regexp.QuoteMeta("{w}"), `([^\s']+)`,
	regexp.QuoteMeta("{s}"), `(.+)`,
)

// compileDetails turns detailsPT's pairs into anchored regular expressions.
func compileDetails(pairs [][2]string) []detailPT {
	out := make([]detailPT, len(pairs))
	for i, p := range pairs {
		out[i] = detailPT{re: regexp.MustCompile("^" + placeholders.Replace(regexp.QuoteMeta(p[0])) + "$"), pt: p[1]}
	}
	return out
}

// detailInPT returns the Portuguese form of an English detail, and the
// detail itself, in English, when no template matches: a message added to
// the code base without a template is still shown, untranslated.
func detailInPT(detail string) string {
	return inPT(detailsPT, detail)
}

// inPT returns the Portuguese form of s by the first of templates that
// matches it, and s itself when none does.
func inPT(templates []detailPT, s string) string {
	for _, d := range templates {
		if m := d.re.FindStringSubmatchIndex(s); m != nil {
			return string(d.re.ExpandString(nil, d.pt, s, m))
		}
	}
	return s
}

// localize returns p with its title and detail in l. Only its text
// changes: code, status, type and the other members stay as they are.
func localize(p Problem, l lang) Problem {
	if l != langPT {
		return p
	}
	if t, ok := titlesPT[p.Code]; ok {
		p.Title = t
	}
	p.Detail = detailInPT(p.Detail)
	return p
}
