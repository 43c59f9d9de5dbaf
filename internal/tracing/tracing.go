// Package tracing sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables. Tracing is off unless OTEL_TRACES_EXPORTER names
// an exporter: then Setup returns a TracerProvider that the commands pass
// to the packages that make spans (httpapi, cache, queue). Off, it
// returns nil, and those packages make no span at all, so tracing that is
// off costs nothing on the hot path.
//
// Exporters (OTEL_TRACES_EXPORTER, comma-separated):
//
//   - otlp: OTLP over HTTP (otlphttp.go), configured by the exporter's
//     standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (default
//     http://localhost:4318), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
//     OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT,
//     OTEL_EXPORTER_OTLP_COMPRESSION, OTEL_EXPORTER_OTLP_PROTOCOL
//     (http/protobuf, the default, or http/json) and the certificate
//     files. gRPC is refused with an error that says what to set
//     instead: its exporter would double the binary for a transport
//     every collector also serves over HTTP.
//   - console: one JSON object per span, written to the given writer
//     (stderr), for a look by hand.
//   - none: no spans.
//
// OTEL_SDK_DISABLED=true turns tracing off whatever the exporter says.
// The SDK itself reads OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* from the process environment.
// Trace context travels in W3C traceparent/tracestate headers (and
// baggage), the propagation every OpenTelemetry SDK speaks by default.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"abaco/internal/outage"
	"abaco/internal/version"
)

// ServiceName is the service.name of abaco's spans unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES says otherwise.
const ServiceName = "abaco"

// Propagator reads and writes the trace context of HTTP requests: W3C
// trace context and baggage.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(
	propagation.TraceContext{}, propagation.Baggage{})

// Setup returns the TracerProvider the environment (read through getenv)
// asks for, and a shutdown that flushes the spans not yet exported. With
// tracing off the provider is nil and shutdown does nothing. console
// receives the spans of the console exporter; log, the failures of the
// export (one line when an outage of the collector starts and one when it
// ends, as for every dependency) and the SDK's other errors. With tracing
// on, Setup makes log OpenTelemetry's error handler, which is process-wide.
func Setup(ctx context.Context, getenv func(string) string, console io.Writer, build version.Info, log *slog.Logger) (trace.TracerProvider, func(context.Context) error, error) {
	none := func(context.Context) error { return nil }
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return nil, none, nil
	}
	var opts []sdktrace.TracerProviderOption
	for _, name := range strings.Split(getenv("OTEL_TRACES_EXPORTER"), ",") {
		switch name = strings.TrimSpace(name); name {
		case "", "none":
		case "otlp":
			client, err := newOTLPHTTP(getenv, outage.New(log, "tracing: export", 0))
			if err != nil {
				return nil, none, fmt.Errorf("tracing: %w", err)
			}
			exp, err := otlptrace.New(ctx, client)
			if err != nil {
				return nil, none, fmt.Errorf("tracing: otlp exporter: %w", err)
			}
			opts = append(opts, sdktrace.WithBatcher(exp))
		case "console":
			exp, err := stdouttrace.New(stdouttrace.WithWriter(console))
			if err != nil {
				return nil, none, fmt.Errorf("tracing: console exporter: %w", err)
			}
			// Synchronous, as the specification asks of the console
			// exporter: a span shows the moment it ends.
			opts = append(opts, sdktrace.WithSyncer(exp))
		default:
			return nil, none, fmt.Errorf("tracing: OTEL_TRACES_EXPORTER=%q: want otlp, console or none", name)
		}
	}
	if len(opts) == 0 {
		return nil, none, nil
	}
	res, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithAttributes(semconv.ServiceName(ServiceName), semconv.ServiceVersion(build.Version)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last: OTEL_SERVICE_NAME wins over the default
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, none, fmt.Errorf("tracing: resource: %w", err)
	}
	// The SDK reports what it cannot export to the global handler, by
	// default the log package's plain-text lines amid abaco's JSON ones.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if !errors.As(err, new(*exportError)) { // an export failure is in the outage log already
			log.Warn("tracing: the OpenTelemetry SDK reported an error", "err", err.Error())
		}
	}))
	tp := sdktrace.NewTracerProvider(append(opts, sdktrace.WithResource(res))...)
	return tp, tp.Shutdown, nil
}
