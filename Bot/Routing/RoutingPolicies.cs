namespace HandoffBot.Routing;

/// <summary>
/// Fewest active conversations first; ties go to the agent idle longest (earliest last assignment), then to the
/// lowest id, so the choice is deterministic.
/// </summary>
internal sealed class LeastBusyPolicy : IRoutingPolicy
{
    public const string PolicyName = "LeastBusy";

    public string Name => PolicyName;

    public AgentId? Pick(HandoffRequest request, IReadOnlyList<AgentAvailability> candidates) =>
        RoutingPolicyOrder.First(candidates, LeastBusyFirst);

    private static int LeastBusyFirst(AgentAvailability a, AgentAvailability b)
    {
        var byLoad = a.ActiveConversations.CompareTo(b.ActiveConversations);
        return byLoad != 0 ? byLoad : RoutingPolicyOrder.IdleFirst(a, b);
    }
}

/// <summary>
/// Agents take turns in id order: the next pick is the first candidate whose id follows the last agent picked
/// (wrapping round), whoever else happens to be a candidate at the time.
/// </summary>
internal sealed class RoundRobinPolicy : IRoutingPolicy
{
    public const string PolicyName = "RoundRobin";

    private readonly Lock _gate = new();
    private string? _last;

    public string Name => PolicyName;

    public AgentId? Pick(HandoffRequest request, IReadOnlyList<AgentAvailability> candidates)
    {
        lock (_gate)
        {
            AgentAvailability? next = null;
            AgentAvailability? first = null;
            for (var i = 0; i < candidates.Count; i++)
            {
                var c = candidates[i];
                if (first is null || string.CompareOrdinal(c.Id.Value, first.Id.Value) < 0)
                {
                    first = c;
                }
                if ((_last is null || string.CompareOrdinal(c.Id.Value, _last) > 0)
                    && (next is null || string.CompareOrdinal(c.Id.Value, next.Id.Value) < 0))
                {
                    next = c;
                }
            }
            var pick = next ?? first;
            if (pick is not null)
            {
                _last = pick.Id.Value;
            }
            return pick?.Id;
        }
    }
}

/// <summary>The agent whose last assignment is oldest; ties go to fewer active conversations, then the lowest id.</summary>
internal sealed class LongestIdlePolicy : IRoutingPolicy
{
    public const string PolicyName = "LongestIdle";

    public string Name => PolicyName;

    public AgentId? Pick(HandoffRequest request, IReadOnlyList<AgentAvailability> candidates) =>
        RoutingPolicyOrder.First(candidates, RoutingPolicyOrder.IdleFirst);
}

internal static class RoutingPolicyOrder
{
    /// <summary>The candidate that comes first in <paramref name="order"/> (the earlier of equals), or null when there is none.</summary>
    public static AgentId? First(IReadOnlyList<AgentAvailability> candidates, Comparison<AgentAvailability> order)
    {
        AgentAvailability? best = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (best is null || order(c, best) < 0)
            {
                best = c;
            }
        }
        return best?.Id;
    }

    /// <summary>Negative when <paramref name="a"/> has been idle longer than <paramref name="b"/> (then fewer active, then id).</summary>
    public static int IdleFirst(AgentAvailability a, AgentAvailability b)
    {
        var byIdle = a.LastAssignedAt.CompareTo(b.LastAssignedAt);
        if (byIdle != 0)
        {
            return byIdle;
        }
        var byLoad = a.ActiveConversations.CompareTo(b.ActiveConversations);
        return byLoad != 0 ? byLoad : string.CompareOrdinal(a.Id.Value, b.Id.Value);
    }
}

/// <summary>
/// The policy of each queue: <c>Routing:Queues:&lt;name&gt;:Policy</c> when set, else <c>Routing:Policy</c>. Names are
/// resolved once, at construction; an unknown name throws with the list of known ones (the options validator reports
/// the same at start-up).
/// </summary>
internal sealed class RoutingPolicySet
{
    private readonly Dictionary<string, IRoutingPolicy> _perQueue = new(StringComparer.OrdinalIgnoreCase);

    public RoutingPolicySet(RoutingOptions options, IEnumerable<IRoutingPolicy> policies, IRoutingPolicy? defaultPolicy = null)
    {
        var all = policies.ToList();
        Default = defaultPolicy ?? Select(options.Policy, all, "Routing:Policy");
        foreach (var (queue, settings) in options.Queues)
        {
            if (!string.IsNullOrWhiteSpace(settings.Policy))
            {
                _perQueue[queue] = Select(settings.Policy, all, $"Routing:Queues:{queue}:Policy");
            }
        }
    }

    public IRoutingPolicy Default { get; }

    public IRoutingPolicy For(string queue) =>
        _perQueue.Count != 0 && _perQueue.TryGetValue(queue, out var policy) ? policy : Default;

    /// <summary>The policy named <paramref name="name"/>; unknown names throw naming <paramref name="key"/> and the known policies.</summary>
    public static IRoutingPolicy Select(string name, IReadOnlyCollection<IRoutingPolicy> policies, string key = "Routing:Policy") =>
        policies.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException(UnknownPolicy(key, name, policies.Select(p => p.Name)));

    /// <summary>The one wording of an unknown policy name (the validator and <see cref="Select"/> both use it).</summary>
    public static string UnknownPolicy(string key, string name, IEnumerable<string> known) =>
        $"{key} '{name}' is not a known routing policy. Known policies: {string.Join(", ", known.Order(StringComparer.Ordinal))}.";
}
