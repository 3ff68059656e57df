using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

/// <summary>
/// A random but reproducible sequence of routing events (arrivals, offers, accepts, declines, expiries, completions,
/// presence changes, cancellations, time passing) replayed into one engine, with the facts a store would keep so that
/// a second engine can be rebuilt from them.
/// </summary>
internal sealed class EventHistory
{
    private static readonly string[] Queues = ["general", "billing", "fraud"];
    private static readonly string[] Channels = ["webchat", "msteams"];
    private readonly Random _random;
    private readonly string _policy;
    private readonly Dictionary<AgentId, RoutableAgent> _roster = [];
    private readonly List<(string Queue, TimeSpan Duration, DateTimeOffset At)> _handlingTimes = [];
    private readonly List<(string Customer, AgentId Agent, DateTimeOffset At)> _served = [];
    private readonly List<string> _ids = [];
    private int _next;

    public EventHistory(int seed, string policy)
    {
        _random = new Random(seed);
        _policy = policy;
        Engine = RoutingFixture.Engine(policy);
        for (var i = 0; i < 6; i++)
        {
            var skills = string.Join(',', Queues.Where((_, q) => q == i % 3 || _random.Next(3) == 0).Select(q => $"{q}:{_random.Next(1, 6)}"));
            var hours = i == 5 ? new WorkingHours("UTC", new TimeOnly(9, 10), new TimeOnly(9, 40), [DayOfWeek.Tuesday]) : null;
            var agent = Agent($"agent-{i}", skills, perChannel: new Dictionary<string, int> { ["*"] = _random.Next(1, 3), ["msteams"] = 1 }, hours: hours);
            _roster[agent.Id] = agent;
            Engine.UpsertAgent(agent);
        }
        for (var i = 0; i < 4; i++)
        {
            var (queue, duration, at) = (Queues[i % 3], TimeSpan.FromMinutes(_random.Next(2, 9)), Now.AddMinutes(-_random.Next(1, 60)));
            Engine.RecordHandlingTime(queue, duration, at);
            _handlingTimes.Add((queue, duration, at));
        }
    }

    public RoutingEngine Engine { get; }

    public DateTimeOffset Now { get; private set; } = T0;

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>One random event.</summary>
    public void Step()
    {
        switch (_random.Next(10))
        {
            case 0 or 1:
                Arrive();
                break;
            case 2:
                Engine.Assign(Now);
                break;
            case 3:
                OnSome(RoutedItemState.Offered, id => Engine.Accept(id, Engine.GetStatus(id)!.Agent!.Value, Now));
                break;
            case 4:
                OnSome(RoutedItemState.Waiting, id => Engine.Accept(id, RandomAgent(), Now));
                break;
            case 5:
                OnSome(RoutedItemState.Offered, id => _ = _random.Next(2) == 0 ? Engine.Decline(id, Now) : Engine.ExpireOffer(id, Now));
                break;
            case 6:
                OnSome(RoutedItemState.Accepted, Complete);
                break;
            case 7:
                var agent = RandomAgent();
                var presence = (AgentPresence)_random.Next(3);
                _roster[agent] = _roster[agent] with { Presence = presence };
                Engine.SetPresence(agent, presence, Now);
                break;
            case 8:
                OnSome(_random.Next(2) == 0 ? RoutedItemState.Waiting : RoutedItemState.Offered, id => Engine.RemoveWaiting(id));
                break;
            default:
                Now = Now.AddSeconds(_random.Next(0, 120));
                break;
        }
        // Accept remembers the customer as served; the store keeps it with the accepted handoff.
        foreach (var id in _ids)
        {
            if (Engine.GetStatus(id) is { State: RoutedItemState.Accepted, Agent: { } by, Since: { } since } status
                && !_served.Contains((status.Item.Request.CustomerKey, by, since)))
            {
                _served.Add((status.Item.Request.CustomerKey, by, since));
            }
        }
    }

    /// <summary>A fresh engine fed only with the facts a store holds: roster and presence, items by state, handling times, served customers.</summary>
    public RoutingEngine Rebuild()
    {
        var engine = RoutingFixture.Engine(_policy);
        foreach (var agent in _roster.Values)
        {
            engine.UpsertAgent(agent with { LastAssignedAt = Engine.GetAgent(agent.Id)!.LastAssignedAt });
        }
        foreach (var (queue, duration, at) in _handlingTimes)
        {
            engine.RecordHandlingTime(queue, duration, at);
        }
        foreach (var (customer, agent, at) in _served)
        {
            engine.RecordServed(customer, agent, at);
        }
        foreach (var (item, _) in Engine.Waiting(null, Now))
        {
            engine.AddWaiting(item);
        }
        foreach (var id in _ids)
        {
            if (Engine.GetStatus(id) is { State: not RoutedItemState.Waiting, Agent: { } agent, Since: { } since } status)
            {
                if (status.State == RoutedItemState.Offered)
                {
                    engine.RestoreOffered(status.Item, agent, since);
                }
                else
                {
                    engine.RestoreAccepted(status.Item, agent, since);
                }
            }
        }
        return engine;
    }

    private void Arrive()
    {
        var id = $"h{++_next:000}";
        var queue = Queues[_random.Next(Queues.Length)];
        // Distinct arrival instants: the engine breaks exact ties by the order it learnt of the items.
        var enqueuedAt = Now.AddSeconds(-_random.Next(0, 240)).AddTicks(_next);
        Engine.AddWaiting(Item(id, queue, _random.Next(0, 3), enqueuedAt, $"webchat/customer-{_random.Next(8)}",
            Channels[_random.Next(Channels.Length)], _random.Next(1, 5)));
        _ids.Add(id);
    }

    private void Complete(string id)
    {
        var status = Engine.GetStatus(id)!;
        Engine.Complete(id, Now); // the engine records the handling time; the store keeps it with the completed handoff
        _handlingTimes.Add((status.Item.Request.Queue, Now - status.Since!.Value, Now));
    }

    private void OnSome(RoutedItemState state, Action<string> action)
    {
        var matching = _ids.Where(id => Engine.GetStatus(id)?.State == state).ToList();
        if (matching.Count > 0)
        {
            action(matching[_random.Next(matching.Count)]);
        }
    }

    private AgentId RandomAgent() => Id($"agent-{_random.Next(_roster.Count)}");
}
