using HandoffBot.Handoff;

namespace HandoffBot.Analytics;

/// <summary>What one transition changes in its handoff's analytics row (the provider writes it in the transition's transaction).</summary>
public enum HandoffFactChange
{
    None = 0,

    /// <summary>The row is created: trigger, category, queue, time to escalate, reopen; waiting (or unassigned at once).</summary>
    Open,

    /// <summary>An agent was offered the handoff: the offer time, for the accept time.</summary>
    Offer,

    /// <summary>The offer was declined, expired or withdrawn: an accept after it has no offer to measure from.</summary>
    ClearOffer,

    /// <summary>An agent accepted: with an agent; the first accept sets the wait and accept times.</summary>
    Accept,

    /// <summary>Transferred: waiting again, one more transfer.</summary>
    Transfer,

    /// <summary>Ended by the agent: the handle time (first accept to end).</summary>
    End,

    /// <summary>Cancelled (or left) while not with an agent: abandoned.</summary>
    Cancel,

    /// <summary>No agent came in time: unassigned.</summary>
    GiveUp,
}

/// <summary>
/// The provider-neutral rules of the handoff facts: which change an audit line makes, and the trigger, category and
/// customer a row is counted under. SQLite and PostgreSQL only write what these decide.
/// </summary>
public static class HandoffFacts
{
    /// <summary>The same customer escalating again within this long of an earlier handoff is a reopen.</summary>
    public static readonly TimeSpan ReopenWindow = TimeSpan.FromDays(7);

    public static HandoffFactChange Of(HandoffAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Action switch
        {
            "open" or "unassigned" when entry.From == HandoffStatus.Bot => HandoffFactChange.Open,
            "offer" => HandoffFactChange.Offer,
            "decline" or "expire" or "withdraw" => HandoffFactChange.ClearOffer,
            "accept" => HandoffFactChange.Accept,
            "transfer" => HandoffFactChange.Transfer,
            "end" => HandoffFactChange.End,
            "cancel" => HandoffFactChange.Cancel,
            "unassigned" => HandoffFactChange.GiveUp,
            _ => HandoffFactChange.None,
        };
    }

    /// <summary>Where a handoff stands when its row is created.</summary>
    public static HandoffOutcome OpenedAs(HandoffAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.To == HandoffStatus.Unassigned ? HandoffOutcome.Unassigned : HandoffOutcome.Waiting;
    }

    /// <summary>The trigger that decided the handoff: the strongest fired trigger of its packet.</summary>
    public static string TriggerOf(HandoffRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Packet?.Triggers.Where(t => t.Fired).OrderByDescending(t => t.Score).FirstOrDefault()?.Name ?? "none";
    }

    public static string CategoryOf(HandoffRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Packet?.Category ?? "none";
    }

    /// <summary>Who the customer is across conversations (a reopen is the same customer escalating again).</summary>
    public static string CustomerOf(HandoffRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Customer.User?.Id is { Length: > 0 } user ? $"{record.Customer.ChannelId}/users/{user}" : record.CustomerKey;
    }
}
