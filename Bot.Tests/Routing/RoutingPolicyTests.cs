using HandoffBot.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

public sealed class RoutingPolicyTests
{
    private static readonly HandoffRequest Request = Item("h1").Request;

    private static AgentAvailability Candidate(string id, int active, DateTimeOffset lastAssigned) =>
        new(Id(id), id, [new AgentSkill("general", 3)], AgentPresence.Available, active, 5, lastAssigned, null);

    [Fact]
    public void LeastBusyPicksTheAgentWithFewestActiveConversations()
    {
        var picked = new LeastBusyPolicy().Pick(Request, [
            Candidate("a", 2, T0.AddHours(-5)),
            Candidate("b", 0, T0),
            Candidate("c", 1, T0.AddHours(-9)),
        ]);

        Assert.Equal(Id("b"), picked);
    }

    [Fact]
    public void LeastBusyBreaksTiesByLongestIdleThenId()
    {
        var policy = new LeastBusyPolicy();

        Assert.Equal(Id("c"), policy.Pick(Request, [Candidate("a", 1, T0), Candidate("c", 1, T0.AddHours(-1))]));
        Assert.Equal(Id("a"), policy.Pick(Request, [Candidate("b", 1, T0), Candidate("a", 1, T0)]));
    }

    [Fact]
    public void LongestIdlePicksTheAgentWhoseLastAssignmentIsOldest()
    {
        var picked = new LongestIdlePolicy().Pick(Request, [
            Candidate("a", 0, T0.AddMinutes(-5)),
            Candidate("b", 3, T0.AddHours(-2)),
            Candidate("c", 0, T0.AddHours(-1)),
        ]);

        Assert.Equal(Id("b"), picked);
    }

    [Fact]
    public void RoundRobinTakesAgentsInTurnAndWrapsRound()
    {
        var policy = new RoundRobinPolicy();
        List<AgentAvailability> all = [Candidate("c", 0, T0), Candidate("a", 0, T0), Candidate("b", 0, T0)];

        var picks = Enumerable.Range(0, 5).Select(_ => policy.Pick(Request, all)!.Value.Value).ToList();

        Assert.Equal(["a", "b", "c", "a", "b"], picks);
    }

    [Fact]
    public void RoundRobinSkipsToTheNextCandidateWhenTheNextInTurnIsMissing()
    {
        var policy = new RoundRobinPolicy();
        Assert.Equal(Id("a"), policy.Pick(Request, [Candidate("a", 0, T0), Candidate("b", 0, T0), Candidate("c", 0, T0)]));

        Assert.Equal(Id("c"), policy.Pick(Request, [Candidate("a", 0, T0), Candidate("c", 0, T0)]));
        Assert.Equal(Id("a"), policy.Pick(Request, [Candidate("a", 0, T0), Candidate("b", 0, T0)]));
    }

    [Fact]
    public void NoCandidatesMeansNoPick()
    {
        Assert.Null(new LeastBusyPolicy().Pick(Request, []));
        Assert.Null(new RoundRobinPolicy().Pick(Request, []));
        Assert.Null(new LongestIdlePolicy().Pick(Request, []));
    }

    [Theory]
    [InlineData("LeastBusy", "b")]
    [InlineData("LongestIdle", "c")]
    [InlineData("RoundRobin", "a")]
    public void TheEngineUsesTheConfiguredPolicy(string policy, string expected)
    {
        var engine = Engine(policy);
        engine.UpsertAgent(Agent("a", capacity: 5, active: 2, lastAssignedAt: T0.AddMinutes(-30)));
        engine.UpsertAgent(Agent("b", capacity: 5, active: 0, lastAssignedAt: T0.AddMinutes(-10)));
        engine.UpsertAgent(Agent("c", capacity: 5, active: 1, lastAssignedAt: T0.AddHours(-2)));
        engine.AddWaiting(Item("h1"));

        var assignment = Assert.Single(engine.Assign(T0));

        Assert.Equal(Id(expected), assignment.Agent);
        Assert.Equal(policy, assignment.Policy);
    }

    [Fact]
    public void AQueuesOwnPolicyOverridesTheDefaultForThatQueueOnly()
    {
        var options = Options(o => o.Queues["fraud"].Policy = "LongestIdle");
        var engine = new RoutingEngine(Microsoft.Extensions.Options.Options.Create(options),
            [new LeastBusyPolicy(), new RoundRobinPolicy(), new LongestIdlePolicy()], NullLogger<RoutingEngine>.Instance);
        foreach (var skill in new[] { "general", "fraud" })
        {
            // Per skill: b is the least busy, c has been idle longest.
            engine.UpsertAgent(Agent($"b-{skill}", $"{skill}:3", capacity: 5, active: 0, lastAssignedAt: T0.AddMinutes(-10)));
            engine.UpsertAgent(Agent($"c-{skill}", $"{skill}:3", capacity: 5, active: 1, lastAssignedAt: T0.AddHours(-2)));
        }
        engine.AddWaiting(Item("g1", "general"));
        engine.AddWaiting(Item("f1", "fraud"));

        var assignments = engine.Assign(T0).OrderBy(a => a.HandoffId, StringComparer.Ordinal).ToList();

        Assert.Equal([("f1", Id("c-fraud"), "LongestIdle"), ("g1", Id("b-general"), "LeastBusy")],
            assignments.Select(a => (a.HandoffId, a.Agent, a.Policy)));
        Assert.Equal(("LongestIdle", "LeastBusy", "LeastBusy"), (engine.PolicyFor("FRAUD"), engine.PolicyFor("general"), engine.PolicyName));
    }

    [Fact]
    public void AnUnknownPolicyNameIsAClearError()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            RoutingEngine.SelectPolicy("Fastest", [new LeastBusyPolicy(), new RoundRobinPolicy(), new LongestIdlePolicy()]));

        Assert.Equal("Routing:Policy 'Fastest' is not a known routing policy. Known policies: LeastBusy, LongestIdle, RoundRobin.", error.Message);
    }
}
