namespace HandoffBot.Routing;

/// <summary>
/// Wait estimates: the latest handling times per queue (at most <c>EstimateMaxSamples</c>, used within
/// <c>EstimateWindow</c>) and the honest estimate of a waiting item: position x mean handling time / agent slots online,
/// or null with the reason when there is too little data or nobody online. Not thread-safe: the facade holds the lock.
/// </summary>
internal sealed class WaitEstimator(RoutingOptions options, AgentIndex agents, WaitingQueues queues)
{
    private readonly Dictionary<string, Queue<(DateTimeOffset At, TimeSpan Duration)>> _handling = new(StringComparer.OrdinalIgnoreCase);

    public void AddHandlingTime(string queue, TimeSpan duration, DateTimeOffset at)
    {
        if (!_handling.TryGetValue(queue, out var samples))
        {
            _handling[queue] = samples = new Queue<(DateTimeOffset, TimeSpan)>();
        }
        samples.Enqueue((at, duration));
        while (samples.Count > options.EstimateMaxSamples)
        {
            samples.Dequeue();
        }
    }

    /// <summary>The estimate of one entry, waiting or previewed (not yet added).</summary>
    public WaitEstimate Estimate(Entry entry, DateTimeOffset now)
    {
        var samples = RecentHandlingTimes(entry.Request.Queue, now, out var mean);
        return EstimateAt(entry, queues.Position(entry), samples, mean, OnlineSlots(entry, now));
    }

    /// <summary>Every waiting item's estimate in one pass over the queues.</summary>
    public Dictionary<string, WaitEstimate> EstimateAll(DateTimeOffset now)
    {
        var estimates = new Dictionary<string, WaitEstimate>(StringComparer.Ordinal);
        // Items that route alike see the same online slots: counted once per kind, not once per item.
        var slots = new Dictionary<(string Skill, int Bucket, bool Relaxed, string Channel), int>();
        foreach (var (queue, waiting) in queues.Queues)
        {
            var samples = RecentHandlingTimes(queue, now, out var mean);
            var position = 0;
            foreach (var entry in waiting)
            {
                position++;
                var kind = (entry.Request.Skill, entry.Bucket, entry.Relaxed, entry.Request.CustomerChannelId);
                if (!slots.TryGetValue(kind, out var online))
                {
                    slots[kind] = online = OnlineSlots(entry, now);
                }
                estimates[entry.Request.HandoffId] = EstimateAt(entry, position, samples, mean, online);
            }
        }
        return estimates;
    }

    public void Clear() => _handling.Clear();

    /// <summary>The estimate for a waiting item at <paramref name="position"/> in its queue.</summary>
    private WaitEstimate EstimateAt(Entry entry, int position, int samples, TimeSpan mean, int slots)
    {
        var request = entry.Request;
        if (samples < options.EstimateMinSamples)
        {
            return new WaitEstimate(position, null, samples,
                $"Not enough recent data to estimate: {samples} conversation(s) handled in the {request.Queue} queue in the last {RoutingOrder.Describe(options.EstimateWindow)}, at least {options.EstimateMinSamples} needed.");
        }
        if (slots == 0)
        {
            return new WaitEstimate(position, null, samples,
                $"No agent qualified for {request.Skill} is online right now, so there is no honest estimate.");
        }
        var estimate = TimeSpan.FromSeconds(Math.Round(mean.TotalSeconds * position / slots));
        return new WaitEstimate(position, estimate, samples,
            $"Position {position} in the {request.Queue} queue; about {RoutingOrder.Describe(estimate)} from the last {samples} handling time(s) (mean {RoutingOrder.Describe(mean)}) over {slots} agent slot(s) online.");
    }

    private int RecentHandlingTimes(string queue, DateTimeOffset now, out TimeSpan mean)
    {
        mean = TimeSpan.Zero;
        if (!_handling.TryGetValue(queue, out var samples))
        {
            return 0;
        }
        var since = now - options.EstimateWindow;
        long ticks = 0;
        var count = 0;
        foreach (var (at, duration) in samples)
        {
            if (at >= since && at <= now)
            {
                ticks += duration.Ticks;
                count++;
            }
        }
        if (count > 0)
        {
            mean = TimeSpan.FromTicks(ticks / count);
        }
        return count;
    }

    /// <summary>
    /// The channel capacity of every available, on-shift agent qualified for the entry and speaking its language, each
    /// counted once.
    /// </summary>
    private int OnlineSlots(Entry entry, DateTimeOffset now)
    {
        var stamp = agents.NextStamp();
        var slots = Count(entry.Request.Skill);
        if (entry.Relaxed && agents.FallbackSkill is not null)
        {
            slots += Count(agents.FallbackSkill);
        }
        return slots;

        int Count(string skill)
        {
            var sum = 0;
            if (agents.TryGetSkill(skill, out var index))
            {
                foreach (var agent in index.Agents)
                {
                    if (agent.Stamp != stamp && agent.Presence == AgentPresence.Available && agents.Qualifies(agent, entry)
                        && entry.SpokenBy(agent)
                        && agents.Shifts.OnShift(agent, now))
                    {
                        agent.Stamp = stamp;
                        sum += agent.CapacityFor(entry.Request.CustomerChannelId);
                    }
                }
            }
            return sum;
        }
    }
}
