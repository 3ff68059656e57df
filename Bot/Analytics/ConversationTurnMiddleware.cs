using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Analytics;

/// <summary>
/// Counts the customer's messages for the analytics: each one adds a <see cref="ConversationTurn"/> to the turn's
/// commit (the first one starts the conversation's row). Customer pipeline only; other activity types do not count.
/// </summary>
public sealed class ConversationTurnMiddleware(TimeProvider time) : Pipeline.IMiddleware
{
    public Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        if (activity.IsType(ActivityTypes.Message))
        {
            TurnWrites.Of(turn).Add(new ConversationTurn(StateKeys.Conversation(activity.ChannelId!, activity.Conversation!.Id!), time.GetUtcNow()));
        }
        return next(cancellationToken);
    }
}
