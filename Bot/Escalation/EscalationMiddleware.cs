using HandoffBot.Assistant;
using HandoffBot.Escalation.Embedding;
using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

/// <summary>
/// Watches every customer message. Before the assistant: explicit request, urgency, categories and sentiment; if
/// those call for a person the assistant is not called (the handoff middleware, outside, takes the turn from there).
/// After the assistant: its answer confidence. The combined <see cref="EscalationDecision"/> is put on
/// <see cref="ITurnContext.Features"/>, written to the escalation audit (in the turn's commit) and remembered in <see cref="EscalationHistory"/>.
/// </summary>
public sealed partial class EscalationMiddleware(
    EscalationDetector detector,
    ISentimentAnalyzer sentiment,
    IOptions<EscalationOptions> options,
    TimeProvider time,
    ILogger<EscalationMiddleware> logger) : HandoffBot.Pipeline.IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (!activity.IsType(ActivityTypes.Message) || activity.TrimmedText() is not { Length: > 0 } text)
        {
            await next(cancellationToken);
            return;
        }
        var state = turn.Features.GetRequired<ConversationState>();
        var history = state.Get<EscalationHistory>();
        var mood = await sentiment.AnalyzeAsync(text, activity.Locale, cancellationToken);
        var snapshot = detector.WithLanguage(new TurnSnapshot(activity, text, mood, null, history));

        var decision = await HandoffBot.Telemetry.TurnTelemetry.DecideAsync("before_answer", () => detector.EvaluateBeforeAnswerAsync(snapshot, cancellationToken));
        // One vector per message, shared by every head and by the assistant (turn feature MessageEmbedding); a
        // turn the cheap stage settled has none, and the assistant answers it from its words alone.
        if (snapshot.Vector is { } vector)
        {
            turn.Features.Set(new MessageEmbedding(text, vector));
        }
        else if (decision.Detection == EscalationDecision.CheapStage)
        {
            turn.Features.Set(new MessageEmbedding(text, []));
        }
        double? confidence = null;
        if (decision.Escalate)
        {
            // The assistant stays silent: a person is needed now.
            turn.Features.Set(decision);
        }
        else
        {
            turn.Features.Set(decision);
            await next(cancellationToken);
            confidence = turn.Features.Get<AnswerResult>()?.Confidence;
            if (confidence is not null && detector.NeedsAnswer)
            {
                var before = decision;
                decision = await HandoffBot.Telemetry.TurnTelemetry.DecideAsync("after_answer", () => detector.EvaluateAfterAnswerAsync(snapshot with { AnswerConfidence = confidence }, before, cancellationToken));
                turn.Features.Set(decision);
            }
        }

        var now = time.GetUtcNow();
        var fired = new List<string>();
        foreach (var signal in decision.Signals)
        {
            if (signal.Fired)
            {
                fired.Add(signal.Trigger);
            }
        }
        var answered = confidence is not null ? turn.Features.Get<AnswerResult>()?.Entry?.Id : null;
        var record = new EscalationTurn(now, text, mood.Sentiment, mood.Compound, confidence, decision.Escalate, fired, decision.Model?.Negative, answered);
        var keep = options.Value.HistoryTurns;
        // Re-read: the assistant or handoff code may have changed the section while the turn ran.
        var latest = state.Get<EscalationHistory>();
        state.Set(latest with { Turns = [.. latest.Turns.Skip(Math.Max(0, latest.Turns.Count - keep + 1)), record] });
        TurnWrites.Of(turn).Add(new EscalationAuditEntry(state.Key, activity.Id, now, decision.Escalate, decision));
        if (decision.Escalate)
        {
            LogEscalation(logger, activity.Conversation?.Id, decision.Category, decision.Priority, decision.Reason);
        }
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Escalating conversation {ConversationId}: category {Category}, priority {Priority}. {Reason}")]
    private static partial void LogEscalation(ILogger logger, string? conversationId, string category, EscalationPriority priority, string reason);
}
