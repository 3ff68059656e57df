using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Pipeline;

/// <summary>
/// Records the inbound activity and everything the turn sends, in order, each with from.role, recipient.role
/// and a UTC timestamp, so the conversation can be exported as an Emulator <c>.transcript</c>.
/// </summary>
public sealed class TranscriptMiddleware(ITranscriptStore store, TimeProvider time) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        await store.AppendAsync([Stamp(turn.Activity, RoleTypes.User, RoleTypes.Bot)], cancellationToken);

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
            await store.AppendAsync(recorded, cancellationToken);
            return responses;
        });

        await next(cancellationToken);
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
