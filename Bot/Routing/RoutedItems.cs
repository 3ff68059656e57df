namespace HandoffBot.Routing;

/// <summary>
/// The item catalogue (every waiting, offered and accepted item by handoff id) and the offer lifecycle: handing an
/// item to an agent, taking an offer back, returning it to the queue. An offer or accepted conversation costs its agent
/// one capacity unit. Not thread-safe: the facade holds the lock.
/// </summary>
internal sealed class RoutedItems(WaitingQueues queues, AgentIndex agents)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string handoffId, out Entry entry) => _entries.TryGetValue(handoffId, out entry!);

    public bool Contains(string handoffId) => _entries.ContainsKey(handoffId);

    public int Count => _entries.Count;

    public List<string> Ids() => [.. _entries.Keys];

    /// <summary>A new entry for <paramref name="item"/>, in the catalogue but not yet waiting nor handed to anyone.</summary>
    public Entry Track(WaitingItem item)
    {
        var entry = queues.NewEntry(item);
        _entries.Add(item.Request.HandoffId, entry);
        return entry;
    }

    /// <summary>Removes a waiting or offered entry from everywhere (an offer gives its unit back).</summary>
    public void Withdraw(Entry entry)
    {
        TakeBack(entry);
        _entries.Remove(entry.Request.HandoffId);
    }

    /// <summary><paramref name="agent"/> accepted the entry, wherever it was (waiting, offered to them or to someone else).</summary>
    public void Accept(Entry entry, AgentState agent, DateTimeOffset now)
    {
        if (entry.State == RoutedItemState.Offered && entry.Agent == agent)
        {
            agent.Offered.Remove(entry);
        }
        else
        {
            TakeBack(entry);
        }
        HandTo(agent, entry, RoutedItemState.Accepted, now);
    }

    /// <summary>Ends an accepted conversation: the unit is free again. Returns how long it was handled (null when the clock went back).</summary>
    public TimeSpan? Complete(Entry entry, DateTimeOffset now)
    {
        _entries.Remove(entry.Request.HandoffId);
        var agent = entry.Agent!;
        agent.Accepted.Remove(entry);
        agents.LoadChanged(agent, gainedRoom: true);
        return now >= entry.Since ? now - entry.Since : null;
    }

    /// <summary>
    /// Gives <paramref name="entry"/> (no longer waiting) to <paramref name="agent"/>, offered or accepted as of
    /// <paramref name="now"/>: it counts towards the agent's load and is their latest assignment.
    /// </summary>
    public void HandTo(AgentState agent, Entry entry, RoutedItemState state, DateTimeOffset now)
    {
        entry.State = state;
        entry.Agent = agent;
        entry.Since = now;
        (state == RoutedItemState.Accepted ? agent.Accepted : agent.Offered).Add(entry);
        if (now > agent.LastAssignedAt)
        {
            agent.LastAssignedAt = now;
        }
        agents.LoadChanged(agent, gainedRoom: false);
    }

    /// <summary>A declined or expired offer waits again, keeping its age, with that agent excluded from it.</summary>
    public void ReturnOffer(Entry entry, DateTimeOffset now)
    {
        var agent = entry.Agent!;
        var request = entry.Request;
        if (!request.Declined.Contains(agent.Id))
        {
            var declined = new HashSet<AgentId>(request.Declined) { agent.Id };
            entry.Item = entry.Item with { Request = request with { Declined = declined } };
        }
        ReleaseOffer(entry);
        queues.RelaxIfDue(entry, now);
        queues.Enqueue(entry);
    }

    /// <summary>Every offer of the agent waits again (not excluded: they may get it again when back); returns their ids.</summary>
    public List<string> RequeueOffersOf(AgentState agent)
    {
        var ids = new List<string>(agent.Offered.Count);
        foreach (var entry in agent.Offered.ToList())
        {
            ReleaseOffer(entry);
            queues.Enqueue(entry);
            ids.Add(entry.Request.HandoffId);
        }
        return ids;
    }

    /// <summary>Forgets the accepted conversations of an agent who left the roster.</summary>
    public void ForgetAccepted(AgentState agent)
    {
        foreach (var accepted in agent.Accepted)
        {
            _entries.Remove(accepted.Request.HandoffId);
        }
        agent.Accepted.Clear();
    }

    public void Clear() => _entries.Clear();

    /// <summary>Takes a waiting entry out of the queues, or an offered one away from its agent.</summary>
    private void TakeBack(Entry entry)
    {
        if (entry.State == RoutedItemState.Waiting)
        {
            queues.Dequeue(entry);
        }
        else
        {
            ReleaseOffer(entry);
        }
    }

    private void ReleaseOffer(Entry entry)
    {
        var agent = entry.Agent!;
        agent.Offered.Remove(entry);
        entry.Agent = null;
        agents.LoadChanged(agent, gainedRoom: true);
    }
}
