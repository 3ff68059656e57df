using HandoffBot.Pipeline;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>
/// Delivers the bot's activities for channel <c>directline</c> into the conversation's log and stream; a keyed send
/// (<see cref="IKeyedActivitySink"/>) is stored and pushed once per key, whatever the number of repeats.
/// </summary>
internal sealed class DirectLineTransport(DirectLineHub hub) : IChannelTransport, IKeyedActivitySink
{
    public bool Handles(Activity activity) => string.Equals(activity.ChannelId, DirectLineHub.ChannelId, StringComparison.OrdinalIgnoreCase);

    public IActivitySink Sink => this;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            responses[i] = await SendAsync(activities[i], null, cancellationToken);
        }
        return responses;
    }

    public Task<ResourceResponse> SendOnceAsync(Activity activity, string deliveryKey, CancellationToken cancellationToken) =>
        SendAsync(activity, deliveryKey ?? throw new ArgumentNullException(nameof(deliveryKey)), cancellationToken);

    private async Task<ResourceResponse> SendAsync(Activity activity, string? deliveryKey, CancellationToken cancellationToken)
    {
        var conversationId = activity.Conversation?.Id ?? throw new InvalidOperationException("A Direct Line activity needs conversation.id.");
        if (activity.IsType(ActivityTypes.Typing))
        {
            await hub.PushTransientAsync(conversationId, activity, cancellationToken);
            return new ResourceResponse(null);
        }
        var stored = await hub.AppendAsync(conversationId, activity with { From = activity.From ?? hub.Bot }, deliveryKey, cancellationToken);
        return new ResourceResponse(stored.Activity.Id);
    }

    public async Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken)
    {
        var conversationId = activity.Conversation?.Id ?? throw new InvalidOperationException("A Direct Line activity needs conversation.id.");
        if (activity.Id is null || !await hub.ReplaceAsync(conversationId, activity, cancellationToken))
        {
            throw new InvalidOperationException($"Activity '{activity.Id}' is not in Direct Line conversation '{conversationId}'.");
        }
        return new ResourceResponse(activity.Id);
    }

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Direct Line clients have no way to remove a delivered activity.");
}
