using BenchmarkDotNet.Attributes;
using HandoffBot.Routing;

namespace HandoffBot.Benchmarks;

/// <summary>
/// Rebuilding the routing projection from the store's facts, as at start-up or when an instance takes over routing
/// ownership: <c>Reset</c>, then 10k agents (3 of 50 skills, capacity 2), 20k accepted conversations, 1k offers,
/// 1k / 10k / 100k waiting items, 2,500 handling times and 20k served customers, then the first <c>Assign</c>.
/// </summary>
[MemoryDiagnoser]
public class RoutingRebuildBenchmarks
{
    private const int AgentCount = 10_000;
    private const int SkillCount = 50;
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private RoutingEngine _engine = null!;
    private RoutableAgent[] _agents = null!;
    private (WaitingItem Item, AgentId Agent)[] _accepted = null!;
    private (WaitingItem Item, AgentId Agent)[] _offered = null!;
    private WaitingItem[] _waiting = null!;
    private (string Queue, TimeSpan Duration, DateTimeOffset At)[] _handling = null!;

    [Params(1_000, 10_000, 100_000)]
    public int Waiting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var options = new RoutingOptions { FallbackSkill = null, RelaxSkillAfter = TimeSpan.FromMinutes(10) };
        for (var s = 0; s < SkillCount; s++)
        {
            options.Queues[$"s{s}"] = new RoutingQueueOptions { Skill = $"s{s}", Priority = s % 3 };
        }
        _engine = new RoutingEngine(options, new LeastBusyPolicy());
        _agents = [.. Enumerable.Range(0, AgentCount).Select(i => Agent(i, random))];
        _accepted = [.. Enumerable.Range(0, AgentCount * 2 - 1_000).Select(i => (Item($"busy-{i}", random), _agents[i % AgentCount].Id))];
        _offered = [.. Enumerable.Range(AgentCount * 2 - 1_000, 1_000).Select(i => (Item($"offer-{i}", random), _agents[i % AgentCount].Id))];
        _waiting = [.. Enumerable.Range(0, Waiting).Select(i => Item($"wait-{i}", random))];
        _handling = [.. Enumerable.Range(0, 2_500).Select(i => ($"s{i % SkillCount}", TimeSpan.FromSeconds(random.Next(60, 900)), Now.AddSeconds(-random.Next(0, 7200))))];
    }

    [Benchmark]
    public int Rebuild()
    {
        _engine.Reset();
        foreach (var agent in _agents)
        {
            _engine.UpsertAgent(agent);
        }
        foreach (var (queue, duration, at) in _handling)
        {
            _engine.RecordHandlingTime(queue, duration, at);
        }
        foreach (var (item, agent) in _accepted)
        {
            _engine.RestoreAccepted(item, agent, Now.AddMinutes(-5));
            _engine.RecordServed(item.Request.CustomerKey, agent, Now.AddMinutes(-5));
        }
        foreach (var (item, agent) in _offered)
        {
            _engine.RestoreOffered(item, agent, Now.AddSeconds(-10));
        }
        foreach (var item in _waiting)
        {
            _engine.AddWaiting(item);
        }
        return _engine.Assign(Now).Count;
    }

    private static RoutableAgent Agent(int i, Random random)
    {
        var skills = new HashSet<string>(StringComparer.Ordinal);
        while (skills.Count < 3)
        {
            skills.Add($"s{random.Next(0, SkillCount)}");
        }
        return new RoutableAgent(new AgentId($"agent-{i:00000}"), $"Agent {i}",
            [.. skills.Select(s => new AgentSkill(s, random.Next(1, 6)))],
            new Dictionary<string, int> { ["*"] = 2 }, AgentPresence.Available, null, 0, Now.AddSeconds(-random.Next(0, 3600)));
    }

    private static WaitingItem Item(string id, Random random)
    {
        var skill = $"s{random.Next(0, SkillCount)}";
        return new WaitingItem(
            new HandoffRequest(id, skill, skill, random.Next(0, 4), Now.AddSeconds(-random.Next(0, 300)),
                $"webchat/customer-{random.Next(0, 1_000_000)}", "webchat", new HashSet<AgentId>()), random.Next(1, 4));
    }
}
