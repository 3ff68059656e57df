using HandoffBot.Handoff;
using HandoffBot.Pipeline;

namespace HandoffBot.Telemetry;

/// <summary>
/// Puts the turn's ids in the log scope (conversation, activity, and the handoff the conversation is in) and on the
/// turn's span, so every log line of the turn can be found by id and joined to its trace. Runs after the state is
/// loaded (it reads the handoff id from there); ids only, never text.
/// </summary>
public sealed class TelemetryMiddleware(ILogger<TelemetryMiddleware> logger) : HandoffBot.Pipeline.IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        ArgumentNullException.ThrowIfNull(next);
        var activity = turn.Activity;
        var handoffId = turn.Features.Get<ConversationState>()?.Get<HandoffConversationState>() is { Closed: false } section ? section.HandoffId : null;
        if (handoffId is not null)
        {
            System.Diagnostics.Activity.Current?.SetTag("handoff.id", handoffId);
        }
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["ConversationId"] = activity.Conversation?.Id,
            ["ActivityId"] = activity.Id,
            ["ChannelId"] = activity.ChannelId,
            ["HandoffId"] = handoffId,
        });
        await next(cancellationToken);
    }
}
