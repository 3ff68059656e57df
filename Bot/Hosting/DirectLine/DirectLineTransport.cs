using HandoffBot.Pipeline;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Delivers the bot's activities for channel <c>directline</c> into the conversation's log and stream.</summary>
internal sealed class DirectLineTransport(DirectLineHub hub) : IChannelTransport, IActivitySink
{
    public bool Handles(Activity activity) => string.Equals(activity.ChannelId, DirectLineHub.ChannelId, StringComparison.OrdinalIgnoreCase);

    public IActivitySink Sink => this;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            var conversationId = activity.Conversation?.Id ?? throw new InvalidOperationException("A Direct Line activity needs conversation.id.");
            if (activity.IsType(ActivityTypes.Typing))
            {
                await hub.PushTransientAsync(conversationId, activity, cancellationToken);
                responses[i] = new ResourceResponse(null);
                continue;
            }
            var stored = await hub.AppendAsync(conversationId, activity with { From = activity.From ?? hub.Bot }, cancellationToken);
            responses[i] = new ResourceResponse(stored.Id);
        }
        return responses;
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
