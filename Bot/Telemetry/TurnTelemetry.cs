using System.Diagnostics;
using System.Diagnostics.Metrics;
using HandoffBot.Escalation;
using ProtocolActivity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Telemetry;

/// <summary>Spans and metrics of one turn: the turn itself, each middleware, the escalation decision.</summary>
public static class TurnTelemetry
{
    // Metric names follow the OpenTelemetry conventions; Prometheus shows handoffbot_turns_total and so on. Tags are
    // low-cardinality (channel, queue, status, trigger, category), never ids or text.
    internal static readonly Counter<long> Turns = BotTelemetry.Meter.CreateCounter<long>("handoffbot.turns", "{turn}", "Turns run, by channel and outcome.");
    internal static readonly Histogram<double> TurnDuration = BotTelemetry.Meter.CreateHistogram<double>("handoffbot.turn.duration", "s", "Time from a turn's start to its commit.");
    private static readonly Counter<long> Escalations = BotTelemetry.Meter.CreateCounter<long>("handoffbot.escalations", "{escalation}", "Escalations, by fired trigger and category.");

    /// <summary>
    /// Starts the span of a turn (a child of <paramref name="traceParent"/>, the request that stored a queued turn, or of
    /// the current request) and counts the turn with its duration when disposed.
    /// </summary>
    public static TurnScope StartTurn(ProtocolActivity activity, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var span = BotTelemetry.StartSpan("turn", ActivityKind.Consumer, traceParent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("bot.channel", activity.ChannelId);
            span.SetTag("bot.conversation.id", activity.Conversation?.Id);
            span.SetTag("bot.activity.id", activity.Id);
            span.SetTag("bot.activity.type", activity.Type);
            span.SetTag("bot.turn.queued", traceParent is not null);
        }
        return new TurnScope(span, activity.ChannelId ?? "unknown", Stopwatch.GetTimestamp());
    }

    /// <summary>The span of one middleware (or the bot) for the rest of the pipeline it wraps.</summary>
    public static Activity? StartStep(object step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var span = BotTelemetry.StartSpan("middleware " + step.GetType().Name);
        span?.SetTag("bot.middleware", step.GetType().Name);
        return span;
    }

    /// <summary>Runs one escalation evaluation in a span tagged with its outcome; an escalation is counted per fired trigger.</summary>
    public static async ValueTask<EscalationDecision> DecideAsync(string stage, Func<ValueTask<EscalationDecision>> evaluate)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        using var span = BotTelemetry.StartSpan("escalation.decide");
        span?.SetTag("escalation.stage", stage);
        var decision = await evaluate();
        var fired = decision.Fired.Select(s => s.Trigger).ToList();
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("escalation.escalate", decision.Escalate);
            span.SetTag("escalation.category", decision.Category);
            span.SetTag("escalation.queue", decision.Queue);
            span.SetTag("escalation.triggers", string.Join(',', fired));
        }
        if (decision.Escalate)
        {
            foreach (var trigger in fired.DefaultIfEmpty("none"))
            {
                Escalations.Add(1, new("trigger", trigger), new("category", decision.Category));
            }
        }
        return decision;
    }
}

/// <summary>A running turn: ends its span and records the turn's count and duration, with the outcome.</summary>
public sealed class TurnScope : IDisposable
{
    private readonly Activity? _span;
    private readonly string _channel;
    private readonly long _started;
    private string _outcome = "ok";

    internal TurnScope(Activity? span, string channel, long started) => (_span, _channel, _started) = (span, channel, started);

    /// <summary>The turn threw: the span and the count say so.</summary>
    public void Failed(Exception exception)
    {
        _outcome = "error";
        BotTelemetry.Failed(_span, exception);
    }

    public void Dispose()
    {
        var channel = new KeyValuePair<string, object?>("channel", _channel);
        TurnTelemetry.Turns.Add(1, channel, new("outcome", _outcome));
        TurnTelemetry.TurnDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, channel);
        _span?.Dispose();
    }
}
