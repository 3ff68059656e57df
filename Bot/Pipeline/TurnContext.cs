using HandoffBot.Protocol;

namespace HandoffBot.Pipeline;

/// <summary>Where a turn's outgoing activities go: the Connector, an expectReplies buffer, a Direct Line stream.</summary>
public interface IActivitySink
{
    Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken);

    Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken);

    Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken);
}

public sealed class TurnContext(Activity activity, IActivitySink sink) : ITurnContext
{
    private readonly List<SendActivitiesHandler> _sendHandlers = [];

    public Activity Activity { get; } = activity;

    public bool Responded { get; private set; }

    public TurnFeatures Features { get; private set; } = new();

    /// <summary>Forgets everything the turn's first attempt set up (features, send hooks), so it can run again from the start.</summary>
    internal void ResetForRetry()
    {
        Features = new TurnFeatures();
        _sendHandlers.Clear();
        Responded = false;
    }

    public void OnSendActivities(SendActivitiesHandler handler) => _sendHandlers.Add(handler);

    public async Task<IReadOnlyList<ResourceResponse>> SendActivitiesAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        if (activities.Count == 0)
        {
            return [];
        }
        var responses = await SendThrough(0, activities, cancellationToken);
        Responded |= activities.Any(a => !a.IsType(ActivityTypes.Trace));
        return responses;
    }

    private Task<IReadOnlyList<ResourceResponse>> SendThrough(int index, IReadOnlyList<Activity> activities, CancellationToken cancellationToken) =>
        index == _sendHandlers.Count
            ? sink.SendAsync(activities, cancellationToken)
            : _sendHandlers[index](this, activities, next => SendThrough(index + 1, next, cancellationToken));

    public Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken) =>
        sink.UpdateAsync(activity, cancellationToken);

    public Task DeleteActivityAsync(string activityId, CancellationToken cancellationToken) =>
        sink.DeleteAsync(Activity, activityId, cancellationToken);
}
