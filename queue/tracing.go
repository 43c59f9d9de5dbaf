package queue

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"abaco"
)

// A job carries the W3C trace context of the span that sent it in its
// record (record.TraceParent, TraceState), as BullMQ stores one with each
// job, so that the worker's span continues the submitting request's
// trace. Following OpenTelemetry's messaging conventions, Submit makes a
// producer span "send <queue>" and the worker a consumer span "process
// <queue>" per job, a child of the send span: one job is one message, so
// its creation context is the natural parent, and the trace reads from
// the HTTP request to the evaluation.

// messagingSystem is messaging.system of the job spans. No registered
// value fits: the broker is Redis or in process, the protocol abaco's.
const messagingSystem = "abaco"

// attrAttempt is the delivery a process span ran (1 for the first).
const attrAttempt = attribute.Key("messaging.message.delivery_count")

// traceContext writes and reads the W3C trace context of job records.
var traceContext propagation.TraceContext

// startSend starts the producer span of a submission of n jobs and
// returns its trace context, to store in each record ("" when tracing
// is off).
func (j *Jobs) startSend(ctx context.Context, n int) (context.Context, trace.Span, recordCarrier) {
	if j.tracer == nil {
		return ctx, nil, recordCarrier{}
	}
	ctx, span := j.tracer.Start(ctx, "send "+j.o.Queue, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(append(messagingAttrs("send", j.o.Queue), semconv.MessagingBatchMessageCount(n))...))
	var tc recordCarrier // declared here, so that only a traced call moves it to the heap
	traceContext.Inject(ctx, &tc)
	return ctx, span, tc
}

// endSpan ends span (nil when tracing is off), marked as failed by err.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// startProcess starts the consumer span of one delivery of the job rec,
// a child of the span that sent it when the record has its context.
func (j *Jobs) startProcess(ctx context.Context, rec *record, attempt int) (context.Context, trace.Span) {
	if j.tracer == nil {
		return ctx, nil
	}
	ctx = traceContext.Extract(ctx, &recordCarrier{TraceParent: rec.TraceParent, TraceState: rec.TraceState})
	return j.tracer.Start(ctx, "process "+j.o.Queue, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(append(messagingAttrs("process", j.o.Queue),
			attrAttempt.Int(attempt), semconv.MessagingMessageID(rec.ID))...))
}

// startItem starts the consumer span of one delivery of a plain item: a
// root span, since the item carries no context.
func (c *Consumer) startItem(ctx context.Context, it abaco.Item) (context.Context, trace.Span) {
	if c.tracer == nil {
		return ctx, nil
	}
	return c.tracer.Start(ctx, "process "+c.o.Queue, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(append(messagingAttrs("process", c.o.Queue), attrAttempt.Int(it.Attempts))...))
}

// messagingAttrs are the messaging attributes every job or item span
// has: op ("send" or "process", the conventions' operation type and
// name alike) on queue.
func messagingAttrs(op, queue string) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.MessagingSystemKey.String(messagingSystem),
		semconv.MessagingOperationTypeKey.String(op),
		semconv.MessagingOperationName(op),
		semconv.MessagingDestinationName(queue),
	}
}

// recordCarrier holds the trace context fields of a record for the
// propagator.
type recordCarrier struct {
	TraceParent, TraceState string
}

func (c *recordCarrier) Get(key string) string {
	switch key {
	case "traceparent":
		return c.TraceParent
	case "tracestate":
		return c.TraceState
	}
	return ""
}

func (c *recordCarrier) Set(key, value string) {
	switch key {
	case "traceparent":
		c.TraceParent = value
	case "tracestate":
		c.TraceState = value
	}
}

func (c *recordCarrier) Keys() []string { return []string{"traceparent", "tracestate"} }
