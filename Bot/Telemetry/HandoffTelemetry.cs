using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using HandoffBot.Handoff;

namespace HandoffBot.Telemetry;

/// <summary>
/// Spans and metrics of handoffs and their deliveries. The trace that opened a handoff (the customer's turn) is
/// remembered per handoff id, so the work the handoff causes off any turn (the intake worker's announcement and
/// offers, sweeps) writes its outbox rows under that trace: the agent's notification joins the customer's trace.
/// Kept in memory (bounded): after a restart such rows start a new trace, linked to nothing.
/// </summary>
public static class HandoffTelemetry
{
    private static readonly Counter<long> Transitions = BotTelemetry.Meter.CreateCounter<long>("handoffbot.handoffs", "{transition}", "Handoff transitions, by queue, action and the status reached.");
    private static readonly Histogram<double> WaitTime = BotTelemetry.Meter.CreateHistogram<double>("handoffbot.handoff.wait_time", "s", "Customer's wait from the queue to an agent's accept.");
    private static readonly Histogram<double> TimeToAccept = BotTelemetry.Meter.CreateHistogram<double>("handoffbot.handoff.time_to_accept", "s", "Time from the last offer to the accept.");
    private static readonly Counter<long> OffersLost = BotTelemetry.Meter.CreateCounter<long>("handoffbot.handoff.offers_lost", "{offer}", "Offers declined or expired, by queue and result.");
    private static readonly Histogram<int> Scores = BotTelemetry.Meter.CreateHistogram<int>("handoffbot.handoff.csat", "{score}", "Customer satisfaction scores (1-5) after a handoff.");

    private const int MaxRemembered = 16_384;
    private static readonly ConcurrentDictionary<string, string> Origins = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, DateTimeOffset> Offered = new(StringComparer.Ordinal);

    /// <summary>A handoff opened in the current turn: counted, and its trace remembered for the work that follows.</summary>
    public static void Opened(HandoffRecord handoff)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        if (BotTelemetry.CurrentTraceParent() is { } traceParent)
        {
            if (Origins.Count >= MaxRemembered)
            {
                Origins.Clear(); // rare: only traces of handoffs opened before this point lose their join
            }
            Origins[handoff.Id] = traceParent;
        }
        Activity.Current?.SetTag("handoff.id", handoff.Id);
        Count(handoff, "open");
    }

    /// <summary>The <c>traceparent</c> an outbox row of <paramref name="handoffId"/> stores: the current span's, else the handoff's origin.</summary>
    public static string? TraceParentFor(string handoffId) =>
        BotTelemetry.CurrentTraceParent() ?? (handoffId is null ? null : Origins.GetValueOrDefault(handoffId));

    /// <summary>
    /// Runs one handoff transition (the store's read, change and write) in a span, off any turn in the handoff's trace,
    /// and records the metrics its result implies.
    /// </summary>
    public static async Task<Transition> TraceTransitionAsync(string handoffId, Func<Task<Transition>> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var span = StartTransition(handoffId);
        var result = await write();
        Transitioned(span, result);
        return result;
    }

    private static Activity? StartTransition(string handoffId)
    {
        var origin = Activity.Current is null && handoffId is not null ? Origins.GetValueOrDefault(handoffId) : null;
        var span = BotTelemetry.StartSpan("handoff.transition", traceParent: origin);
        span?.SetTag("handoff.id", handoffId);
        return span;
    }

    private static void Transitioned(Activity? span, Transition result)
    {
        span?.SetTag("handoff.action", result.Action);
        if (result.Value is not { } handoff)
        {
            span?.SetTag("handoff.error", result.Error?.Code);
            return;
        }
        span?.SetTag("handoff.status", handoff.Status.ToString());
        span?.SetTag("handoff.queue", handoff.Queue);
        Count(handoff, result.Action);
        var queue = new KeyValuePair<string, object?>("queue", handoff.Queue);
        switch (result.Action)
        {
            case "offer" when handoff.OfferedAt is { } at:
                Offered[handoff.Id] = at;
                break;
            case "accept" when handoff.AcceptedAt is { } accepted:
                WaitTime.Record((accepted - handoff.EnqueuedAt).TotalSeconds, queue);
                if (Offered.TryRemove(handoff.Id, out var offeredAt))
                {
                    TimeToAccept.Record((accepted - offeredAt).TotalSeconds, queue);
                }
                break;
            case "decline" or "expire":
                Offered.TryRemove(handoff.Id, out _);
                OffersLost.Add(1, queue, new("result", result.Action == "decline" ? "declined" : "expired"));
                break;
        }
        if (!handoff.IsActive)
        {
            Offered.TryRemove(handoff.Id, out _);
            Origins.TryRemove(handoff.Id, out _);
        }
    }

    /// <summary>A customer's satisfaction score (1-5).</summary>
    public static void Satisfaction(int score) => Scores.Record(score);

    private static void Count(HandoffRecord handoff, string action) =>
        Transitions.Add(1, new("queue", handoff.Queue), new("action", action), new("status", handoff.Status.ToString()));
}
