using HandoffBot.Pipeline;
using HandoffBot.Protocol;
using HandoffBot.Storage;

namespace HandoffBot.Handoff;

public enum OutboxStatus
{
    Pending = 0,
    Sending = 1,
    Sent = 2,
    Failed = 3,
}

/// <summary>
/// A message the handoff sends outside a turn's replies (a relay to the customer or the agent, a hub notice), stored
/// under an idempotency key (e.g. the source activity id) in the same commit as what caused it: a record of the
/// turn (<see cref="TurnWrites.Add"/>) or <see cref="IHandoffOutbox.EnqueueAsync"/> for background work. The
/// <see cref="OutboxDispatcher"/> delivers it after the commit.
/// </summary>
public sealed record OutboxMessage(string Key, string HandoffId, Activity Activity, bool ToCustomer) : ITurnRecord
{
    /// <summary>
    /// Messages to one destination are delivered in the order they were stored. For a customer the destination is their
    /// conversation; in the agent hub it is the handoff within the hub conversation (one hub conversation carries every
    /// handoff: one handoff's initiate, offer and status stay in order, different handoffs do not wait for each other).
    /// </summary>
    public string Destination => ToCustomer
        ? $"{Activity.ChannelId}/{Activity.Conversation?.Id}"
        : $"{Activity.ChannelId}/{Activity.Conversation?.Id}#{HandoffId}";
}

/// <summary>A claimed outbox row on its way out.</summary>
public sealed record OutboxDelivery(long Seq, OutboxMessage Message, int Attempts)
{
    /// <summary>W3C trace context of the work that stored the row: every attempt's span joins that trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>When the row was stored: a row failing for longer than <see cref="HandoffOptions.OutboxGiveUpAfter"/> is given up.</summary>
    public DateTimeOffset StoredAt { get; init; }
}

/// <summary>A delivered row: the channel's id for it and the customer-transcript entries of what was sent (none for the hub).</summary>
public sealed record OutboxSent(OutboxDelivery Delivery, string? ActivityId, IReadOnlyList<Activity> Transcript);

public sealed record OutboxItem(string Key, string HandoffId, OutboxStatus Status, int Attempts, string? LastError);

/// <summary>
/// The durable outbox: nothing the handoff sends is dropped silently. Rows are delivered in order per destination;
/// a failed delivery stays and is retried with back-off; once it is older than <see cref="HandoffOptions.OutboxGiveUpAfter"/>
/// (or at a permanent failure) it is kept, marked failed and logged.
/// </summary>
public interface IHandoffOutbox
{
    /// <summary>Stores <paramref name="message"/> in its own commit (background work) and wakes the dispatcher. False: the key is stored already.</summary>
    Task<bool> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Claims (marks sending) up to <paramref name="max"/> rows due at <paramref name="now"/>, in order per destination:
    /// from the oldest undelivered row of each destination, at most <paramref name="perDestination"/>, stopping at the
    /// first row that is in flight or waiting for its retry (so a failing row holds the later rows of its destination).
    /// A row this process is sending is never claimed again, however long the send takes (see <see cref="RecoverAbandonedAsync"/>).
    /// </summary>
    Task<IReadOnlyList<OutboxDelivery>> ClaimDueAsync(DateTimeOffset now, int max, int perDestination, CancellationToken cancellationToken);

    /// <summary>
    /// At start-up, before the first claim: rows the previous process had claimed but not marked (it died mid-send) are
    /// due again. Such a row may have reached its channel already; it is the one at-least-once case, logged by the caller.
    /// </summary>
    Task<int> RecoverAbandonedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// How long a claim is this process's for sure: rows it claimed are not taken over by another instance within this
    /// span of the claim (the claim renewed this instance's lease). Null: never taken over (one process, SQLite).
    /// </summary>
    TimeSpan? ClaimSafeFor { get; }

    /// <summary>
    /// Whether <paramref name="delivery"/>'s row is still in flight on this process: not taken over by another instance
    /// (this one was cut off from the database past its lease) and not marked by anyone. Asked before sending a row
    /// claimed longer ago than <see cref="ClaimSafeFor"/>.
    /// </summary>
    Task<bool> IsStillClaimedAsync(OutboxDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Gives claimed rows back unsent (a row before them in their destination failed).</summary>
    Task ReleaseAsync(IReadOnlyList<OutboxDelivery> deliveries, CancellationToken cancellationToken);

    /// <summary>
    /// Marks delivered rows sent, all in one commit with their customer-transcript entries (appended in the order
    /// given): the dispatcher groups what was delivered meanwhile, so a burst does not make one commit per message.
    /// </summary>
    Task MarkSentAsync(IReadOnlyList<OutboxSent> sent, CancellationToken cancellationToken);

    /// <summary>Puts the row back for a retry at <paramref name="next"/>, or marks it failed for good.</summary>
    Task MarkUndeliveredAsync(OutboxDelivery delivery, DateTimeOffset next, string error, bool givenUp, CancellationToken cancellationToken);

    /// <summary>The channel's id for the delivered message under <paramref name="key"/> (to update a card later), or null.</summary>
    Task<string?> DeliveredIdAsync(string key, CancellationToken cancellationToken);

    /// <summary>Items not delivered yet (pending, sending or failed), oldest first.</summary>
    Task<IReadOnlyList<OutboxItem>> UndeliveredAsync(CancellationToken cancellationToken);
}

/// <summary>Wakes the <see cref="OutboxDispatcher"/> after a commit that stored outbox rows (a signal, no data: the dispatcher reads the store).</summary>
public sealed class OutboxSignal
{
    private readonly System.Threading.Channels.Channel<bool> _signals =
        System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

    public void Notify() => _signals.Writer.TryWrite(true);

    /// <summary>Adds <paramref name="message"/> to the turn's commit and wakes the dispatcher once that commit is done.</summary>
    public void AddTo(TurnWrites writes, OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(writes);
        writes.Add(message);
        writes.AfterCommit(_ =>
        {
            Notify();
            return Task.CompletedTask;
        });
    }

    internal System.Threading.Channels.ChannelReader<bool> Reader => _signals.Reader;
}
