using HandoffBot.Protocol;

namespace HandoffBot.Pipeline;

/// <summary>
/// A sink whose channel drops a repeated send: given the same <c>deliveryKey</c> (the sender's identity of the
/// activity: an inbox item and the reply's position in its turn, an outbox row and its part) it delivers the activity
/// once and answers every repeat with the first send's id. Our own Direct Line is one; the Bot Framework Connector
/// has no such key, so senders fall back to <see cref="IActivitySink.SendAsync"/> and its at-least-once.
/// </summary>
public interface IKeyedActivitySink : IActivitySink
{
    Task<ResourceResponse> SendOnceAsync(Activity activity, string deliveryKey, CancellationToken cancellationToken);
}

/// <summary>The delivery keys senders derive; opaque to the channel (never on the wire).</summary>
public static class DeliveryKeys
{
    /// <summary>The reply at <paramref name="position"/> of the turn of inbox item <paramref name="itemId"/>.</summary>
    public static string InboxReply(long itemId, int position) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"inbox/{itemId}/{position}");

    /// <summary>Part <paramref name="part"/> of outbox row <paramref name="outboxKey"/>.</summary>
    public static string OutboxPart(string outboxKey, int part) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"outbox/{outboxKey}/{part}");
}
