using System.Collections.Concurrent;
using HandoffBot.Routing;
using static HandoffBot.Tests.Routing.RoutingFixture;

namespace HandoffBot.Tests.Routing;

public sealed class RoutingConcurrencyTests
{
    [Fact]
    public async Task ManyThreadsNeverDoubleAssignAnItemOrExceedCapacity()
    {
        var engine = Engine();
        const int agents = 20;
        const int capacity = 3;
        for (var a = 0; a < agents; a++)
        {
            engine.UpsertAgent(Agent($"agent{a:00}", a % 2 == 0 ? "general:3,billing:4" : "general:2", capacity: capacity));
        }
        var offeredTo = new ConcurrentDictionary<string, AgentId>();
        var doubleOffers = 0;
        var overCapacity = 0;
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            start.Wait();
            var random = new Random(w);
            for (var i = 0; i < 500; i++)
            {
                var id = $"w{w}-{i}";
                engine.AddWaiting(Item(id, random.Next(2) == 0 ? "general" : "billing", enqueuedAt: T0.AddMilliseconds(i)));
                foreach (var assignment in engine.Assign(T0.AddSeconds(i)))
                {
                    if (!offeredTo.TryAdd(assignment.HandoffId, assignment.Agent))
                    {
                        Interlocked.Increment(ref doubleOffers);
                    }
                    if (engine.GetAgent(assignment.Agent)!.ActiveConversations > capacity)
                    {
                        Interlocked.Increment(ref overCapacity);
                    }
                    // Half are accepted and completed at once, the rest stay with the agent until the end.
                    if (random.Next(2) == 0 && engine.Accept(assignment.HandoffId, assignment.Agent, T0.AddSeconds(i)))
                    {
                        engine.Complete(assignment.HandoffId, T0.AddSeconds(i + 1));
                    }
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));
        // A worker's last Complete may have freed a slot after everyone's last Assign.
        foreach (var assignment in engine.Assign(T0.AddHours(1)))
        {
            Assert.True(offeredTo.TryAdd(assignment.HandoffId, assignment.Agent));
        }

        Assert.Equal(0, doubleOffers);
        Assert.Equal(0, overCapacity);
        for (var a = 0; a < agents; a++)
        {
            Assert.Equal(capacity, engine.GetAgent(Id($"agent{a:00}"))!.ActiveConversations);
        }
        Assert.Equal(4000 - offeredTo.Count, engine.Waiting(null, T0).Count);
    }
}
