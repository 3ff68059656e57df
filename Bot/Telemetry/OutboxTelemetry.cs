using System.Diagnostics;
using System.Diagnostics.Metrics;
using HandoffBot.Handoff;

namespace HandoffBot.Telemetry;

/// <summary>Spans and failure counts of outbox deliveries.</summary>
public static class OutboxTelemetry
{
    private static readonly Counter<long> Failures = BotTelemetry.Meter.CreateCounter<long>("handoffbot.outbox.delivery_failures", "{delivery}", "Failed outbox deliveries, by HTTP status and whether given up.");

    /// <summary>The span of one outbox delivery, under the trace of the work that stored the row (a retry joins the same trace).</summary>
    public static Activity? StartDelivery(OutboxDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var span = BotTelemetry.StartSpan("outbox.deliver", ActivityKind.Producer, delivery.TraceParent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("handoff.id", delivery.Message.HandoffId);
            span.SetTag("outbox.seq", delivery.Seq);
            span.SetTag("outbox.attempt", delivery.Attempts + 1);
            span.SetTag("outbox.to_customer", delivery.Message.ToCustomer);
        }
        return span;
    }

    /// <summary>A delivery failed: counted by status (0 when no HTTP status applies) and whether it was given up.</summary>
    public static void DeliveryFailed(Activity? span, Exception exception, bool givenUp)
    {
        BotTelemetry.Failed(span, exception);
        var status = exception is HandoffBot.Protocol.ConnectorException connector ? (int)connector.StatusCode : 0;
        Failures.Add(1, new("status", status), new("given_up", givenUp));
    }
}
