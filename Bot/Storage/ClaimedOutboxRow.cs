using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>An outbox row as a provider's claim returned it, before its activity is parsed (after the claim's commit).</summary>
internal sealed record ClaimedOutboxRow(long Seq, string Key, string HandoffId, string Json, bool ToCustomer, int Attempts, string? TraceParent, DateTimeOffset StoredAt)
{
    public const string UnreadableError = "the stored activity cannot be read";

    /// <summary>The deliveries of <paramref name="rows"/>, and those whose activity cannot be read (to be marked failed: they can never be sent).</summary>
    public static (List<OutboxDelivery> Due, List<OutboxDelivery> Unreadable) Parse(IReadOnlyList<ClaimedOutboxRow> rows)
    {
        var due = new List<OutboxDelivery>(rows.Count);
        var unreadable = new List<OutboxDelivery>();
        foreach (var row in rows)
        {
            Activity? activity;
            try
            {
                activity = JsonSerializer.Deserialize(row.Json, ProtocolJsonContext.Default.Activity);
            }
            catch (JsonException)
            {
                activity = null;
            }
            var delivery = new OutboxDelivery(row.Seq, new OutboxMessage(row.Key, row.HandoffId, activity ?? new Activity(), row.ToCustomer), row.Attempts) { TraceParent = row.TraceParent, StoredAt = row.StoredAt };
            (activity is null ? unreadable : due).Add(delivery);
        }
        return (due, unreadable);
    }
}
