package httpapi

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"abaco/internal/tracing"
)

// traced starts a server span per request, continuing the trace of the
// client's traceparent header, named "METHOD route" once the route is
// known, as OpenTelemetry's HTTP conventions ask. It sits inside observe,
// so w is observe's recorder, which carries the route and status back.
// New leaves it out when tracing is off.
func traced(tracer trace.Tracer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := tracing.Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		method := methodLabel(r.Method)
		ctx, span := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		next.ServeHTTP(w, r.WithContext(ctx))
		rec, ok := w.(*recorder)
		// An unsampled span records nothing: its attributes would be
		// built for nothing, and that is most of its cost.
		if !ok || !span.IsRecording() {
			return
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		span.SetAttributes(
			semconv.HTTPRequestMethodKey.String(method),
			semconv.URLPath(r.URL.Path),
			semconv.URLScheme(scheme(r)),
			semconv.ClientAddress(remoteHost(r)),
			semconv.UserAgentOriginal(r.UserAgent()),
			semconv.HTTPResponseStatusCode(status),
		)
		if rec.route != "unmatched" {
			span.SetName(method + " " + rec.route)
			span.SetAttributes(semconv.HTTPRoute(rec.route))
		}
		if rec.id != "" {
			span.SetAttributes(attrRequestID.String(rec.id))
		}
		// A server span is an error only for 5xx: a 4xx is the client's.
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	})
}

// attrRequestID is the X-Request-Id of the request, to find its log line.
const attrRequestID = attribute.Key("abaco.request_id")

// scheme is the URL scheme the request came in on.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
