using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Pipeline;

/// <summary>
/// Records the inbound activity and everything the turn sends, in order, each with from.role, recipient.role
/// and a UTC timestamp, so the conversation can be exported as an Emulator <c>.transcript</c>.
/// In a pipeline with a turn store the entries are part of the turn's single commit (<see cref="TurnWrites"/>).
/// </summary>
public sealed class TranscriptMiddleware(ITranscriptStore store, TimeProvider time) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        await RecordAsync(turn, [Stamp(turn.Activity, RoleTypes.User, RoleTypes.Bot)], cancellationToken);

        turn.OnSendActivities(async (context, activities, sendNext) =>
        {
            var responses = await sendNext(activities);
            var recorded = new List<Activity>(activities.Count);
            for (var i = 0; i < activities.Count; i++)
            {
                var activity = activities[i];
                if (activity.IsType(ActivityTypes.Trace))
                {
                    continue;
                }
                var id = i < responses.Count ? responses[i].Id : null;
                recorded.Add(Stamp(activity with { Id = activity.Id ?? id }, RoleTypes.Bot, RoleTypes.User));
            }
            await RecordAsync(context, recorded, cancellationToken);
            return responses;
        });

        await next(cancellationToken);
    }

    private Task RecordAsync(ITurnContext turn, IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (TurnWrites.Pending(turn) is { } writes)
        {
            writes.AddTranscript(activities);
            return Task.CompletedTask;
        }
        return store.AppendAsync(activities, cancellationToken);
    }

    private Activity Stamp(Activity activity, string fromRole, string recipientRole) => activity with
    {
        Timestamp = activity.Timestamp ?? time.GetUtcNow(),
        From = WithRole(activity.From, fromRole),
        Recipient = WithRole(activity.Recipient, recipientRole),
    };

    private static ChannelAccount WithRole(ChannelAccount? account, string role) =>
        account is { Role: not null } ? account : (account ?? new ChannelAccount()) with { Role = role };
}
