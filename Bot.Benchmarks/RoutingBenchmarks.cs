using BenchmarkDotNet.Attributes;
using HandoffBot.Routing;

namespace HandoffBot.Benchmarks;

/// <summary>
/// One assignment decision of the routing engine with 1k / 10k / 100k waiting items, 10k agents (3 skills each, 1-5
/// proficiency, capacity 2) and 50 skills. Two decisions are measured, each as the full engine cycle a coordinator
/// would run:
/// <list type="bullet">
/// <item><see cref="AgentFreesASlot"/>: every agent is busy; one conversation completes (<c>Complete</c>),
/// <c>Assign</c> finds the best waiting item that agent qualifies for and offers it, the agent accepts
/// (<c>Accept</c>), and the completed item is queued again (<c>AddWaiting</c>) so the queue size stays constant.</item>
/// <item><see cref="NewItemFindsAnAgent"/>: 500 agents (skills s40-s49 only) have room, the waiting items are all
/// for skills s0-s39 that only busy agents have; a new item for s40-s49 arrives (<c>AddWaiting</c>),
/// <c>Assign</c> collects its ~30-60 candidates and the LeastBusy policy picks one, then the offer is withdrawn
/// (<c>RemoveWaiting</c>) to restore the state.</item>
/// </list>
/// The benchmark allocates nothing itself (items are recycled from a pool).
/// </summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private const int AgentCount = 10_000;
    private const int SkillCount = 50;
    private const int Capacity = 2;
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private RoutingEngine _busyEngine = null!;
    private RoutingEngine _freeEngine = null!;
    private Dictionary<AgentId, Queue<WaitingItem>> _conversations = null!;
    private Dictionary<string, WaitingItem> _items = null!;
    private AgentId[] _agentIds = null!;
    private WaitingItem[] _arrivals = null!;
    private int _agentCursor;
    private int _arrivalCursor;

    [Params(1_000, 10_000, 100_000)]
    public int Waiting { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        SetupBusy(random);
        SetupFree(random);
    }

    [Benchmark]
    public int AgentFreesASlot()
    {
        Queue<WaitingItem> mine;
        AgentId agent;
        do
        {
            agent = _agentIds[_agentCursor];
            _agentCursor = (_agentCursor + 1) % _agentIds.Length;
            mine = _conversations[agent];
        }
        while (mine.Count == 0);
        var done = mine.Dequeue();
        _busyEngine.Complete(done.Request.HandoffId, Now);
        var assignments = _busyEngine.Assign(Now);
        for (var i = 0; i < assignments.Count; i++)
        {
            var a = assignments[i];
            _busyEngine.Accept(a.HandoffId, a.Agent, Now);
            _conversations[a.Agent].Enqueue(_items[a.HandoffId]);
        }
        _busyEngine.AddWaiting(done);
        return assignments.Count;
    }

    [Benchmark]
    public int NewItemFindsAnAgent()
    {
        var item = _arrivals[_arrivalCursor];
        _arrivalCursor = (_arrivalCursor + 1) % _arrivals.Length;
        _freeEngine.AddWaiting(item);
        var assignments = _freeEngine.Assign(Now);
        _freeEngine.RemoveWaiting(item.Request.HandoffId);
        return assignments.Count;
    }

    private void SetupBusy(Random random)
    {
        _busyEngine = new RoutingEngine(Options(), new LeastBusyPolicy());
        _agentIds = new AgentId[AgentCount];
        _conversations = [];
        _items = new Dictionary<string, WaitingItem>(StringComparer.Ordinal);
        for (var i = 0; i < AgentCount; i++)
        {
            var agent = Agent(i, random, 0, SkillCount);
            _agentIds[i] = agent.Id;
            _conversations[agent.Id] = new Queue<WaitingItem>();
            _busyEngine.UpsertAgent(agent);
        }
        for (var i = 0; i < AgentCount * Capacity; i++)
        {
            var item = Item($"busy-{i}", random, 0, SkillCount);
            _items.Add(item.Request.HandoffId, item);
            var agent = _agentIds[i % AgentCount];
            _busyEngine.RestoreAccepted(item, agent, Now.AddMinutes(-5));
            _conversations[agent].Enqueue(item);
        }
        for (var i = 0; i < Waiting; i++)
        {
            var item = Item($"wait-{i}", random, 0, SkillCount);
            _items.Add(item.Request.HandoffId, item);
            _busyEngine.AddWaiting(item);
        }
        Check(_busyEngine.Assign(Now).Count == 0, "every agent should start busy");
    }

    private void SetupFree(Random random)
    {
        _freeEngine = new RoutingEngine(Options(), new LeastBusyPolicy());
        const int free = 500;
        for (var i = 0; i < AgentCount; i++)
        {
            var isFree = i < free;
            var agent = isFree ? Agent(i, random, 40, SkillCount) : Agent(i, random, 0, SkillCount);
            _freeEngine.UpsertAgent(agent);
            if (!isFree)
            {
                for (var c = 0; c < Capacity; c++)
                {
                    _freeEngine.RestoreAccepted(Item($"busy-{i}-{c}", random, 0, SkillCount), agent.Id, Now.AddMinutes(-5));
                }
            }
        }
        for (var i = 0; i < Waiting; i++)
        {
            _freeEngine.AddWaiting(Item($"wait-{i}", random, 0, 40));
        }
        Check(_freeEngine.Assign(Now).Count == 0, "waiting items should have no free agent");
        _arrivals = [.. Enumerable.Range(0, 1024).Select(i => Item($"new-{i}", random, 40, SkillCount))];
    }

    private static RoutingOptions Options()
    {
        var options = new RoutingOptions { FallbackSkill = null, RelaxSkillAfter = TimeSpan.FromMinutes(10) };
        for (var s = 0; s < SkillCount; s++)
        {
            options.Queues[$"s{s}"] = new RoutingQueueOptions { Skill = $"s{s}", Priority = s % 3 };
        }
        return options;
    }

    private static RoutableAgent Agent(int i, Random random, int fromSkill, int toSkill)
    {
        var skills = new HashSet<string>(StringComparer.Ordinal);
        while (skills.Count < 3)
        {
            skills.Add($"s{random.Next(fromSkill, toSkill)}");
        }
        return new RoutableAgent(new AgentId($"agent-{i:00000}"), $"Agent {i}",
            [.. skills.Select(s => new AgentSkill(s, random.Next(1, 6)))],
            new Dictionary<string, int> { ["*"] = Capacity }, AgentPresence.Available, null, 0,
            Now.AddSeconds(-random.Next(0, 3600)));
    }

    private static WaitingItem Item(string id, Random random, int fromSkill, int toSkill)
    {
        var skill = $"s{random.Next(fromSkill, toSkill)}";
        return new WaitingItem(
            new HandoffRequest(id, skill, skill, random.Next(0, 4), Now.AddSeconds(-random.Next(0, 300)),
                $"webchat/customer-{random.Next(0, 1_000_000)}", "webchat", new HashSet<AgentId>()),
            random.Next(1, 4));
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
