using HandoffBot.Storage;

namespace HandoffBot.Pipeline;

/// <summary>
/// Loads the conversation's state before the turn and saves it after, with optimistic concurrency:
/// if another turn saved first, the save fails loudly with <see cref="StateConflictException"/> (never a lost update).
/// The save is part of the turn's single commit (<see cref="TurnWrites"/>).
/// </summary>
public sealed class ConversationStateMiddleware(IConversationStateStore store) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var activity = turn.Activity;
        var key = StateKeys.Conversation(activity.ChannelId!, activity.Conversation!.Id!);
        var stored = await store.ReadAsync(key, cancellationToken);
        var state = new ConversationState(key, stored?.Json, stored?.Version);
        turn.Features.Set(state);

        await next(cancellationToken);

        if (state.HasChanges)
        {
            TurnWrites.Of(turn).SetState(new StateWrite(key, state.ToJson(), state.Version));
        }
    }
}
