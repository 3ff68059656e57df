using HandoffBot.Pipeline;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting;

/// <summary>
/// A proactive send with an identity (an outbox row's key): the n-th activity sent through it (its part n, counted
/// across calls) goes with the key <see cref="DeliveryKeys.OutboxPart"/>(key, n), so a channel that drops repeats
/// (<see cref="IKeyedActivitySink"/>) shows a row sent again after a restart (sent, not marked, then killed) once.
/// </summary>
internal sealed class KeyedPartsSink(IKeyedActivitySink inner, string key) : IActivitySink
{
    private int _parts;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            responses[i] = await inner.SendOnceAsync(activities[i], DeliveryKeys.OutboxPart(key, Interlocked.Increment(ref _parts) - 1), cancellationToken);
        }
        return responses;
    }

    public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) => inner.UpdateAsync(activity, cancellationToken);

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) => inner.DeleteAsync(reference, activityId, cancellationToken);
}
