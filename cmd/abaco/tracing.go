package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"abaco/internal/tracing"
	buildinfo "abaco/internal/version" // "version" is main's -ldflags variable
)

// tracingHelp is the paragraph of --help of the commands that trace.
const tracingHelp = `Tracing is off by default. OTEL_TRACES_EXPORTER=otlp sends OpenTelemetry
spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (default
http://localhost:4318); OTEL_TRACES_EXPORTER=console prints them on stderr.
The other standard OTEL_* variables apply (OTEL_SERVICE_NAME, ...).`

// openTracing returns the TracerProvider the OTEL_* environment (read by
// getenv) asks for (nil: tracing off), printing the console exporter's
// spans on console and logging export failures on log, and a function
// that flushes its last spans, for the end of the command.
func openTracing(getenv func(string) string, console io.Writer, log *slog.Logger) (trace.TracerProvider, func(), error) {
	tp, shutdown, err := tracing.Setup(context.Background(), getenv, console, buildinfo.Resolve(version), log)
	if err != nil {
		return nil, nil, usageErrorf("%v", err)
	}
	return tp, func() {
		// The command's context is over by now; the flush gets its own.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
	}, nil
}
