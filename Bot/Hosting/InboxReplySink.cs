using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Hosting;

/// <summary>
/// The sink of a queued turn. A turn's replies leave during the turn and its commit (which marks the inbox item done)
/// follows; a process killed in between used to replay the item at start-up and send those replies again. This sink
/// records each reply that reached the channel against the item (<see cref="IInboxStore.MarkRepliedAsync"/>, by its
/// position in the turn), and a replayed turn skips the positions already recorded, answering with the ids the channel
/// gave them, so the customer gets each reply once. The replay answers from the same committed state, so position n
/// is the same reply. A process that dies between the channel's acknowledgement and that record (one small write)
/// sends that reply again, unless the channel drops repeats (<see cref="IKeyedActivitySink"/>, our own Direct Line):
/// then each reply goes with the key of its item and position (<see cref="DeliveryKeys.InboxReply"/>) and the repeat
/// is answered with the first send's id, stored and shown once. Trace activities are passed through and not counted.
/// </summary>
internal sealed class InboxReplySink(IActivitySink inner, InboxItem item, IInboxStore inbox) : IActivitySink
{
    private int _sent;

    public async Task<IReadOnlyList<ResourceResponse>> SendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var responses = new ResourceResponse[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            if (activities[i].IsType(ActivityTypes.Trace))
            {
                // Traces are not replies (and may precede a turn's retry after a state conflict): sent, never counted.
                responses[i] = (await inner.SendAsync([activities[i]], cancellationToken)) is [var traced, ..] ? traced : new ResourceResponse(null);
                continue;
            }
            var position = Interlocked.Increment(ref _sent) - 1;
            if (position < item.Replied.Count)
            {
                responses[i] = new ResourceResponse(item.Replied[position]);
                continue;
            }
            if (inner is IKeyedActivitySink keyed)
            {
                responses[i] = await keyed.SendOnceAsync(activities[i], DeliveryKeys.InboxReply(item.Id, position), cancellationToken);
            }
            else
            {
                var sent = await inner.SendAsync([activities[i]], cancellationToken);
                responses[i] = sent.Count > 0 ? sent[0] : new ResourceResponse(null);
            }
            // It has reached the channel: record it even if the turn is being cancelled now.
            await inbox.MarkRepliedAsync(item.Id, position, responses[i].Id, CancellationToken.None);
        }
        return responses;
    }

    public Task<ResourceResponse> UpdateAsync(Activity activity, CancellationToken cancellationToken) => inner.UpdateAsync(activity, cancellationToken);

    public Task DeleteAsync(Activity reference, string activityId, CancellationToken cancellationToken) => inner.DeleteAsync(reference, activityId, cancellationToken);
}
