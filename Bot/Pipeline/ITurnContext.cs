using HandoffBot.Protocol;

namespace HandoffBot.Pipeline;

/// <summary>
/// Sees (and may change or swallow) what a turn sends. Call <paramref name="next"/> to let the activities go on.
/// </summary>
public delegate Task<IReadOnlyList<ResourceResponse>> SendActivitiesHandler(
    ITurnContext turn, IReadOnlyList<Activity> activities, Func<IReadOnlyList<Activity>, Task<IReadOnlyList<ResourceResponse>>> next);

/// <summary>One inbound activity and the means to answer it.</summary>
public interface ITurnContext
{
    /// <summary>The inbound activity. Never mutated.</summary>
    Activity Activity { get; }

    /// <summary>True once anything has been sent in this turn.</summary>
    bool Responded { get; }

    /// <summary>Typed per-turn features (conversation state, escalation decision, invoke response...).</summary>
    TurnFeatures Features { get; }

    Task<IReadOnlyList<ResourceResponse>> SendActivitiesAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken);

    Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken);

    Task DeleteActivityAsync(string activityId, CancellationToken cancellationToken);

    /// <summary>Registers a hook that runs, in registration order, before activities leave the bot.</summary>
    void OnSendActivities(SendActivitiesHandler handler);
}

public static class TurnContextExtensions
{
    public static async Task<ResourceResponse> SendActivityAsync(this ITurnContext turn, Activity activity, CancellationToken cancellationToken)
    {
        var responses = await turn.SendActivitiesAsync([activity], cancellationToken);
        return responses.Count > 0 ? responses[0] : new ResourceResponse(null);
    }

    /// <summary>Replies to the inbound activity with a plain-text message.</summary>
    public static Task<ResourceResponse> ReplyAsync(this ITurnContext turn, string text, CancellationToken cancellationToken) =>
        turn.SendActivityAsync(turn.Activity.CreateReply(text), cancellationToken);
}
