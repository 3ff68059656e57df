using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

public sealed class WaitEstimateTests
{
    [Fact]
    public void WithTooLittleDataTheEstimateIsWithheldAndSaysSo()
    {
        var engine = Engine();
        engine.AddWaiting(Item("h1", "billing"));
        engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(6), T0.AddMinutes(-10));
        engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(6), T0.AddHours(-5)); // outside the 4 h window

        var estimate = engine.Estimate("h1", T0)!;

        Assert.Equal(1, estimate.Position);
        Assert.Null(estimate.Estimate);
        Assert.Equal(1, estimate.SampleSize);
        Assert.StartsWith("Not enough recent data to estimate", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void WithDataTheEstimateIsPositionTimesMeanHandlingOverOnlineSlots()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 1, active: 1));
        engine.UpsertAgent(Agent("bo", "billing:3", capacity: 1, active: 1));
        engine.UpsertAgent(Agent("away", "billing:5", capacity: 1, presence: AgentPresence.Away));
        foreach (var minutes in new[] { 4, 6, 8 })
        {
            engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(minutes), T0.AddMinutes(-30));
        }
        for (var i = 0; i < 4; i++)
        {
            engine.AddWaiting(Item($"h{i}", "billing", enqueuedAt: T0.AddSeconds(i)));
        }

        var first = engine.Estimate("h0", T0.AddMinutes(1))!;
        var fourth = engine.Estimate("h3", T0.AddMinutes(1))!;

        // mean 6 min, 2 online slots: position 1 -> 3 min, position 4 -> 12 min.
        Assert.Equal((1, TimeSpan.FromMinutes(3), 3), (first.Position, first.Estimate, first.SampleSize));
        Assert.Equal((4, TimeSpan.FromMinutes(12)), (fourth.Position, fourth.Estimate));
        Assert.Contains("Position 4 in the billing queue", fourth.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void EstimatingEveryWaitingItemAtOnceGivesEachTheSameFiguresAsAskingOneByOne()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 2, active: 2));
        engine.UpsertAgent(Agent("bo", "general:3", capacity: 1, active: 1));
        foreach (var minutes in new[] { 4, 6, 8 })
        {
            engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(minutes), T0.AddMinutes(-30));
        }
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var id = $"h{i}";
            ids.Add(id);
            engine.AddWaiting(Item(id, i % 2 == 0 ? "billing" : "general", enqueuedAt: T0.AddSeconds(i)));
        }
        engine.AddWaiting(Item("legal-1", "legal", enqueuedAt: T0)); // nobody online for it
        ids.Add("legal-1");

        var all = engine.EstimateWaiting(T0.AddMinutes(1));

        Assert.Equal(ids.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            Assert.Equal(engine.Estimate(id, T0.AddMinutes(1)), all[id]);
        }
        Assert.Equal(3, all["h4"].Position); // third in the billing queue
        Assert.Null(all["legal-1"].Estimate);
    }

    [Fact]
    public void CompletedConversationsFeedTheEstimate()
    {
        var engine = Engine(configure: o => o.EstimateMinSamples = 2);
        engine.UpsertAgent(Agent("alex", "general:3", capacity: 1));
        for (var i = 0; i < 2; i++)
        {
            engine.AddWaiting(Item($"done{i}", enqueuedAt: T0));
            var a = Assert.Single(engine.Assign(T0));
            engine.Accept(a.HandoffId, a.Agent, T0);
            engine.Complete(a.HandoffId, T0.AddMinutes(10));
        }
        engine.UpsertAgent(Agent("alex", "general:3", capacity: 1, presence: AgentPresence.Available, active: 1));
        engine.AddWaiting(Item("h1", enqueuedAt: T0.AddMinutes(10)));

        var estimate = engine.Estimate("h1", T0.AddMinutes(11))!;

        Assert.Equal(2, estimate.SampleSize);
        Assert.Equal(TimeSpan.FromMinutes(10), estimate.Estimate);
    }

    [Fact]
    public void WithNobodyOnlineThereIsNoEstimateEvenWithData()
    {
        var engine = Engine();
        foreach (var minutes in new[] { 4, 6, 8 })
        {
            engine.RecordHandlingTime("legal", TimeSpan.FromMinutes(minutes), T0.AddMinutes(-30));
        }
        engine.AddWaiting(Item("h1", "legal"));

        var estimate = engine.Estimate("h1", T0)!;

        Assert.Null(estimate.Estimate);
        Assert.Contains("No agent qualified for legal is online", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownHandoffHasNoEstimateAndAnOfferedOneHasNoWait()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex"));
        engine.AddWaiting(Item("h1"));
        Assert.Single(engine.Assign(T0));

        Assert.Null(engine.Estimate("nope", T0));
        Assert.Equal(0, engine.Estimate("h1", T0)!.Position);
    }

    [Fact]
    public void HasQualifiedAgentCountsAgentsOnShiftNowOrWithinTheWait()
    {
        var london = new WorkingHours("Europe/London", new TimeOnly(9, 30), new TimeOnly(17, 0), [DayOfWeek.Tuesday]);
        var engine = Engine();
        engine.UpsertAgent(Agent("later", "fraud:5", hours: london));
        engine.UpsertAgent(Agent("away", "fraud:5", presence: AgentPresence.Away));

        Assert.False(engine.HasQualifiedAgent("fraud", "webchat", T0, TimeSpan.FromMinutes(15)));
        Assert.True(engine.HasQualifiedAgent("fraud", "webchat", T0, TimeSpan.FromMinutes(30)));
        Assert.True(engine.HasQualifiedAgent("fraud", "webchat", T0.AddMinutes(45), TimeSpan.Zero));
        Assert.False(engine.HasQualifiedAgent("billing", "webchat", T0, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void HasQualifiedAgentCountsAgentsWhoAreBusyButOnline()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 1, active: 1));

        Assert.True(engine.HasQualifiedAgent("billing", "webchat", T0, TimeSpan.FromMinutes(15)));
    }
}
