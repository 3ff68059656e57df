namespace HandoffBot.Routing;

/// <summary>
/// The waiting items: per queue and per skill and required proficiency, sorted by the time-invariant key
/// <c>basePriority * AgingStep - enqueuedAt</c> (effective priority <c>basePriority + waited / AgingStep</c> orders
/// items exactly like it at every instant, so aging never needs a rescan); relaxation as a time event (a set ordered
/// by enqueue time hands items over to the proficiency-1 bucket and the fallback-skill set once they have waited
/// <c>RelaxSkillAfter</c>); and the items worth a look at the next Assign. Not thread-safe: the facade holds the lock.
/// </summary>
internal sealed class WaitingQueues(RoutingOptions options, AgentIndex agents)
{
    private readonly long _agingTicks = options.AgingStep.Ticks;
    private readonly Dictionary<string, SortedSet<Entry>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedSet<Entry> _notYetRelaxed = new(RoutingOrder.ByEnqueued);
    private long _seq;

    /// <summary>Relaxed items any fallback-skill agent qualifies for.</summary>
    public SortedSet<Entry> RelaxedForFallback { get; } = new(RoutingOrder.ByPriority);

    /// <summary>New, returned or relaxed items that may have a free agent: examined at the next Assign.</summary>
    public SortedSet<Entry> Dirty { get; } = new(RoutingOrder.ByPriority);

    public IReadOnlyDictionary<string, SortedSet<Entry>> Queues => _queues;

    /// <summary>A new entry (not yet waiting) with its ordering key; <paramref name="seq"/> 0 takes the next arrival number.</summary>
    public Entry NewEntry(WaitingItem item, long seq = 0)
    {
        var request = item.Request;
        var queuePriority = options.Queues.TryGetValue(request.Queue, out var q) ? q.Priority : 0;
        var basePriority = Math.Clamp((long)request.Priority + queuePriority, -10_000, 10_000);
        var language = AgentLanguages.Primary(request.Language);
        return new Entry(item, basePriority * _agingTicks - request.EnqueuedAt.UtcTicks, seq == 0 ? ++_seq : seq)
        {
            Bucket = Math.Clamp(item.RequiredProficiency, 1, RoutingOrder.MaxProficiency),
            // Only a language somebody on the roster speaks is worth waiting for; the roster is read as it is now.
            Language = language is not null && agents.AnySpeaks(language) ? language : null,
        };
    }

    /// <summary>The arrival number the next entry would get (a preview orders after every item already waiting).</summary>
    public long PeekSeq => _seq + 1;

    /// <summary>Puts a waiting entry into every index and marks it for the next Assign.</summary>
    public void Enqueue(Entry entry)
    {
        entry.State = RoutedItemState.Waiting;
        entry.Agent = null;
        agents.Skill(entry.Request.Skill).Bucket(entry.Bucket).Add(entry);
        Queue(entry.Request.Queue).Add(entry);
        if (entry.Relaxed)
        {
            if (agents.FallbackSkill is not null)
            {
                RelaxedForFallback.Add(entry);
            }
        }
        else
        {
            _notYetRelaxed.Add(entry);
        }
        if (agents.MayHaveFreeAgent(entry))
        {
            Dirty.Add(entry);
        }
    }

    public void Dequeue(Entry entry)
    {
        agents.Skill(entry.Request.Skill).Bucket(entry.Bucket).Remove(entry);
        var queue = Queue(entry.Request.Queue);
        queue.Remove(entry);
        if (queue.Count == 0)
        {
            _queues.Remove(entry.Request.Queue);
        }
        if (entry.Relaxed)
        {
            RelaxedForFallback.Remove(entry);
        }
        else
        {
            _notYetRelaxed.Remove(entry);
        }
        Dirty.Remove(entry);
    }

    /// <summary>Relaxes every waiting item that has waited <c>RelaxSkillAfter</c> by <paramref name="now"/>.</summary>
    public void RelaxDue(DateTimeOffset now)
    {
        var due = (now - options.RelaxSkillAfter).UtcTicks;
        while (_notYetRelaxed.Count > 0)
        {
            var entry = _notYetRelaxed.Min!;
            if (entry.EnqueuedTicks > due)
            {
                break;
            }
            _notYetRelaxed.Remove(entry);
            if (entry.Bucket != 1)
            {
                var skill = agents.Skill(entry.Request.Skill);
                skill.Bucket(entry.Bucket).Remove(entry);
                entry.Bucket = 1;
                skill.Bucket(1).Add(entry);
            }
            entry.Relaxed = true;
            if (agents.FallbackSkill is not null)
            {
                RelaxedForFallback.Add(entry);
            }
            Dirty.Add(entry);
        }
    }

    /// <summary>Relaxes an item that is not waiting (a returned offer) if it is due, before it is queued again.</summary>
    public void RelaxIfDue(Entry entry, DateTimeOffset now)
    {
        if (!entry.Relaxed && now - entry.Request.EnqueuedAt >= options.RelaxSkillAfter)
        {
            entry.Relaxed = true;
            entry.Bucket = 1;
        }
    }

    /// <summary>
    /// 1-based position of <paramref name="entry"/> in its queue; for an entry that is not waiting (a preview), the
    /// position it would take: after every item served before it.
    /// </summary>
    public int Position(Entry entry)
    {
        var position = 1;
        if (_queues.TryGetValue(entry.Request.Queue, out var queue))
        {
            foreach (var other in queue)
            {
                if (RoutingOrder.ByPriority.Compare(other, entry) >= 0)
                {
                    break;
                }
                position++;
            }
        }
        return position;
    }

    /// <summary>Effective priority at <paramref name="waited"/>: base priority plus one per <c>AgingStep</c> waited.</summary>
    public double EffectivePriority(Entry entry, TimeSpan waited) =>
        (entry.Key + entry.EnqueuedTicks) / (double)_agingTicks + waited.Ticks / (double)_agingTicks;

    public IEnumerable<Entry> InOrder(string? queue) =>
        queue is not null
            ? _queues.TryGetValue(queue, out var set) ? set : []
            : _queues.Values.SelectMany(s => s).Order(RoutingOrder.ByPriority);

    public void Clear()
    {
        _queues.Clear();
        _notYetRelaxed.Clear();
        RelaxedForFallback.Clear();
        Dirty.Clear();
    }

    private SortedSet<Entry> Queue(string queue)
    {
        if (!_queues.TryGetValue(queue, out var set))
        {
            _queues[queue] = set = new SortedSet<Entry>(RoutingOrder.ByPriority);
        }
        return set;
    }
}
