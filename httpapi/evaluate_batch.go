package httpapi

import (
	"log/slog"
	"net/http"

	"abaco"
)

// MaxEvaluateBatch is the most expressions of one POST /evaluate/batch.
// The request holds its connection while they run, one after another,
// each within the engine's limits, so the bound keeps the whole answer
// well inside the server's write timeout; more go through POST /jobs.
const MaxEvaluateBatch = 100

// routeEvaluateBatch is the route of synchronous batches.
const routeEvaluateBatch = "/evaluate/batch"

// evaluateBatch serves POST /evaluate/batch: {"expressoes": [...]} is
// evaluated in order through the cache, each expression as POST /evaluate
// would, and answered as {"resultados": [...]}, one item per expression.
// A failed expression is an item with its problem, not a failed request.
// The batch takes one of the running evaluations' slots: it is one
// client's work, run on one goroutine.
func (s *Server) evaluateBatch(w http.ResponseWriter, r *http.Request) {
	exprs, err := s.readBatch(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.startEvaluation(); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	defer s.running.Add(-1)
	ctx := r.Context()
	reqID, l := requestID(w), answerLang(w, r)
	out := EvaluationBatch{Resultados: make([]EvaluationItem, len(exprs))}
	for i, e := range exprs {
		res, err := s.ev.Evaluate(ctx, e)
		if ctx.Err() != nil {
			return // the client is gone: nobody reads the rest
		}
		if abaco.ErrorCode(err) == abaco.CodeInternal {
			s.logger.LogAttrs(ctx, slog.LevelError, "internal error",
				slog.String("request_id", reqID), slog.Int("item", i), slog.String("error", err.Error()))
		}
		out.Resultados[i].Avaliacao, out.Resultados[i].Erro = outcome(reqID, l, res, err)
	}
	writeJSON(w, http.StatusOK, out)
}

// readBatch reads a POST /evaluate/batch body: the expressoes of a
// POST /jobs batch, at most MaxEvaluateBatch of them.
func (s *Server) readBatch(r *http.Request) ([]string, error) {
	exprs, batch, err := s.readSubmission(r)
	switch {
	case err != nil:
		return nil, err
	case !batch:
		return nil, abaco.Errorf(abaco.CodeInvalid,
			`POST /evaluate/batch takes {"expressoes": ["2+2", "3*4"]}; send a single expression to POST /evaluate`)
	case len(exprs) > MaxEvaluateBatch:
		return nil, abaco.Errorf(abaco.CodeInvalid,
			`"expressoes" must hold 1 to %d expressions, not %d; submit more as jobs with POST /jobs`, MaxEvaluateBatch, len(exprs))
	}
	return exprs, nil
}
