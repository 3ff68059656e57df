using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;

namespace HandoffBot.Tests.Handoff;

/// <summary>
/// Two instances on one PostgreSQL schema: a customer's typing in a handoff with an agent, taken by instance A, reaches
/// the console feed of instance B (what B's <c>/agent/api/events</c> connections stream), by NOTIFY, not stored.
/// </summary>
public sealed class PostgresTypingInstancesTests
{
    [Fact]
    public async Task ACustomerTypingTakenByInstanceAReachesTheConsoleFeedOfInstanceB()
    {
        await using var deployment = await PostgresRoutingOwnerTests.StartTwoAsync();
        var (a, b) = (deployment.A, deployment.B);
        await a.PostAsync(a.CustomerMessage("let me talk to a person"));
        var agent = await a.OfferedToAsync();
        await a.PostAsync(a.AgentMessage("accept", agent, agent));
        await a.CustomerReceivedAsync("You're now chatting with");
        var handoff = await PostgresRoutingOwnerTests.HandoffAsync(b);
        Assert.Equal(HandoffStatus.WithAgent, handoff.Status);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var feedB = b.Service<HandoffEventFeed>();
        var items = feedB.SubscribeAsync(await feedB.CurrentAsync(timeout.Token), timeout.Token).GetAsyncEnumerator(timeout.Token);
        var next = items.MoveNextAsync(); // subscribed from here on
        await a.PostAsync(a.CustomerMessage(string.Empty) with { Type = ActivityTypes.Typing, Text = null });

        HandoffTyping? typing = null;
        HandoffRecord? shown = null;
        while (await next)
        {
            if (items.Current.Typing is { } heard)
            {
                (typing, shown) = (heard, items.Current.Handoff);
                break;
            }
            next = items.MoveNextAsync();
        }
        Assert.Equal((handoff.Id, "customer"), (typing?.HandoffId, typing?.From));
        Assert.Equal(HandoffHarness.AgentIdOf(agent), shown?.AgentId); // who may see it: the agent handling it
        await items.DisposeAsync();
    }
}
