using HandoffBot.Protocol;

namespace HandoffBot.Pipeline;

/// <summary>
/// Records the inbound activity and everything the turn sends, in order, each with from.role, recipient.role
/// and a UTC timestamp, so the conversation can be exported as an Emulator <c>.transcript</c>. The entries are part
/// of the turn's single commit (<see cref="TurnWrites"/>). Proactive sends (the outbox) stamp with the same
/// <see cref="StampSent"/>, so a relayed message reads exactly like a reply.
/// </summary>
public sealed class TranscriptMiddleware(TimeProvider time) : IMiddleware
{
    public async Task OnTurnAsync(ITurnContext turn, NextDelegate next, CancellationToken cancellationToken)
    {
        var writes = TurnWrites.Of(turn);
        writes.AddTranscript([Stamp(turn.Activity, RoleTypes.User, RoleTypes.Bot, time.GetUtcNow())]);

        turn.OnSendActivities(async (context, activities, sendNext) =>
        {
            var responses = await sendNext(activities);
            TurnWrites.Of(context).AddTranscript(StampSent(activities, responses, time.GetUtcNow()));
            return responses;
        });

        await next(cancellationToken);
    }

    /// <summary>The transcript entries of activities the bot sent (traces left out), with the ids the channel gave them.</summary>
    public static IReadOnlyList<Activity> StampSent(IReadOnlyList<Activity> activities, IReadOnlyList<ResourceResponse> responses, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(responses);
        var recorded = new List<Activity>(activities.Count);
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            if (activity.IsType(ActivityTypes.Trace))
            {
                continue;
            }
            var id = i < responses.Count ? responses[i].Id : null;
            recorded.Add(Stamp(activity with { Id = activity.Id ?? id }, RoleTypes.Bot, RoleTypes.User, now));
        }
        return recorded;
    }

    private static Activity Stamp(Activity activity, string fromRole, string recipientRole, DateTimeOffset now) => activity with
    {
        Timestamp = activity.Timestamp ?? now,
        From = WithRole(activity.From, fromRole),
        Recipient = WithRole(activity.Recipient, recipientRole),
    };

    private static ChannelAccount WithRole(ChannelAccount? account, string role) =>
        account is { Role: not null } ? account : (account ?? new ChannelAccount()) with { Role = role };
}
