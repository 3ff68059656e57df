using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

/// <summary>
/// The engine is a projection of the store: emptied by <see cref="IRoutingEngine.Reset"/> and rebuilt from the facts
/// (agents, waiting / offered / accepted items, handling times, last-served customers) it must decide exactly as the
/// engine that lived through the events.
/// </summary>
public sealed class RoutingProjectionTests
{
    [Fact]
    public void ARestoredOfferCountsAgainstItsAgentsCapacity()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "general:3", capacity: 1));
        engine.RestoreOffered(Item("h1"), Id("alex"), T0.AddSeconds(-20));

        engine.AddWaiting(Item("h2", enqueuedAt: T0));

        Assert.Empty(engine.Assign(T0));
        Assert.Equal(1, engine.GetAgent(Id("alex"))!.ActiveConversations);
        var status = engine.GetStatus("h1")!;
        Assert.Equal((RoutedItemState.Offered, Id("alex"), T0.AddSeconds(-20)), (status.State, status.Agent, status.Since));
    }

    [Fact]
    public void ARestoredOfferCanBeAcceptedAndThenCompletes()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "general:3", capacity: 1));
        engine.RestoreOffered(Item("h1"), Id("alex"), T0.AddSeconds(-20));

        Assert.True(engine.Accept("h1", Id("alex"), T0));
        Assert.Equal(RoutedItemState.Accepted, engine.GetStatus("h1")!.State);
        Assert.True(engine.Complete("h1", T0.AddMinutes(5)));
        Assert.Equal(0, engine.GetAgent(Id("alex"))!.ActiveConversations);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ADeclinedOrExpiredRestoredOfferGoesToTheNextAgent(bool expire)
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "general:3", capacity: 1));
        engine.UpsertAgent(Agent("sam", "general:3", capacity: 1, active: 1));
        engine.RestoreOffered(Item("h1"), Id("alex"), T0.AddSeconds(-45));

        Assert.True(expire ? engine.ExpireOffer("h1", T0) : engine.Decline("h1", T0));
        Assert.Empty(engine.Assign(T0)); // alex is excluded now and sam has no room
        engine.UpsertAgent(Agent("sam", "general:3", capacity: 1));

        var assignment = Assert.Single(engine.Assign(T0));
        Assert.Equal(("h1", Id("sam")), (assignment.HandoffId, assignment.Agent));
        Assert.Contains(Id("alex"), engine.GetStatus("h1")!.Item.Request.Declined);
    }

    [Fact]
    public void ARestoredOfferForAnAgentWhoLeftTheRosterWaitsForSomeoneElse()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("sam", "general:3"));
        engine.RestoreOffered(Item("h1"), Id("gone"), T0.AddSeconds(-20));

        Assert.Equal(Id("sam"), Assert.Single(engine.Assign(T0)).Agent);
    }

    [Theory]
    [InlineData(0)] // fresh: proficiency 4 required, only alex qualifies
    [InlineData(4)] // waited past RelaxSkillAfter: proficiency 1 or the fallback skill is enough
    public void PreviewIsTheEstimateTheItemGetsOnceAdded(int waitedMinutes)
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "billing:5", capacity: 2));
        engine.UpsertAgent(Agent("bo", "billing:1", capacity: 1));
        engine.UpsertAgent(Agent("gen", "general:2", capacity: 3));
        foreach (var minutes in new[] { 4, 6, 8 })
        {
            engine.RecordHandlingTime("billing", TimeSpan.FromMinutes(minutes), T0.AddMinutes(-30));
        }
        engine.AddWaiting(Item("ahead", "billing", enqueuedAt: T0.AddMinutes(-waitedMinutes - 1)));
        engine.AddWaiting(Item("same-time", "billing", enqueuedAt: T0.AddMinutes(-waitedMinutes)));
        engine.AddWaiting(Item("behind", "billing", priority: 0, enqueuedAt: T0));
        var item = Item("new", "billing", enqueuedAt: T0.AddMinutes(-waitedMinutes), requiredProficiency: 4);

        var preview = engine.Preview(item, T0);
        engine.AddWaiting(item);

        Assert.Equal(engine.Estimate("new", T0), preview);
        Assert.Equal(3, preview!.Position);
        Assert.Equal(waitedMinutes == 0 ? TimeSpan.FromMinutes(9) : TimeSpan.FromMinutes(3), preview.Estimate); // 3 x 6 min over 2 or 6 slots
    }

    [Fact]
    public void ResetForgetsEverything()
    {
        var engine = Engine();
        engine.UpsertAgent(Agent("alex", "general:3"));
        engine.AddWaiting(Item("h1"));
        engine.RecordHandlingTime("general", TimeSpan.FromMinutes(5), T0);
        engine.RecordServed("webchat/h2", Id("alex"), T0);

        engine.Reset();

        Assert.Null(engine.GetAgent(Id("alex")));
        Assert.Null(engine.GetStatus("h1"));
        Assert.Empty(engine.Waiting(null, T0));
        engine.UpsertAgent(Agent("alex", "general:3"));
        engine.AddWaiting(Item("h1"));
        Assert.Equal(0, engine.Estimate("h1", T0)!.SampleSize);
        Assert.Equal("LeastBusy", Assert.Single(engine.Assign(T0)).Policy); // not "served this customer"
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AnEngineRebuiltFromTheFactsDecidesLikeTheOneThatLivedThroughTheEvents(int seed, string policy)
    {
        var history = new EventHistory(seed, policy);
        for (var step = 0; step < 150; step++)
        {
            history.Step();
        }

        for (var round = 0; round < 5; round++)
        {
            var rebuilt = history.Rebuild();
            var now = history.Now;
            Assert.Equal(Sorted(history.Engine.EstimateWaiting(now)), Sorted(rebuilt.EstimateWaiting(now)));
            foreach (var id in history.Ids)
            {
                Assert.Equal(history.Engine.GetStatus(id), rebuilt.GetStatus(id));
            }
            Assert.Equal(history.Engine.Assign(now), rebuilt.Assign(now));
            for (var step = 0; step < 30; step++)
            {
                history.Step();
            }
        }
    }

    public static TheoryData<int, string> Seeds()
    {
        var data = new TheoryData<int, string>();
        for (var seed = 1; seed <= 12; seed++)
        {
            data.Add(seed, seed % 2 == 0 ? "LeastBusy" : "LongestIdle");
        }
        return data;
    }

    private static List<KeyValuePair<string, WaitEstimate>> Sorted(IReadOnlyDictionary<string, WaitEstimate> estimates) =>
        [.. estimates.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
}
