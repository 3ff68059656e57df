using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HandoffBot.Telemetry;

/// <summary>
/// The bot's one <see cref="ActivitySource"/> and one <see cref="Meter"/> (both named <see cref="Name"/>), and W3C trace
/// context as text for durable rows: a row stores the <c>traceparent</c> of the work that wrote it, and the work that
/// takes the row up later (a queued turn, an outbox delivery, a retry) starts its span under that parent, so a message
/// that waited in the store is not an orphan trace. Attributes carry ids only, never message text.
/// </summary>
public static class BotTelemetry
{
    public const string Name = "HandoffBot";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>The W3C <c>traceparent</c> of the current span, or null outside any trace.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span under a stored <paramref name="traceParent"/> (null or unreadable: under the current span, if any).
    /// Null when nothing listens.
    /// </summary>
    public static Activity? StartSpan(string name, ActivityKind kind = ActivityKind.Internal, string? traceParent = null)
    {
        if (traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var parent))
        {
            return Source.StartActivity(name, kind, parent);
        }
        return Source.StartActivity(name, kind);
    }

    /// <summary>Marks <paramref name="span"/> failed with the exception's type (its message may carry customer text, so it is not recorded).</summary>
    public static void Failed(Activity? span, Exception exception)
    {
        if (span is null)
        {
            return;
        }
        span.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        span.SetTag("error.type", exception.GetType().FullName);
    }
}
