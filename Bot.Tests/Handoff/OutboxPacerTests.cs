using HandoffBot.Handoff;
using HandoffBot.Protocol;

namespace HandoffBot.Tests.Handoff;

/// <summary>The pacer's arithmetic on its own: slots per conversation and endpoint, parts, holds.</summary>
public sealed class OutboxPacerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    private static OutboxPacer Pacer(int perConversation, int perEndpoint) => new(new OutboxPacingOptions
    {
        PerConversation = [OutboxRateWindow.Of(perConversation, TimeSpan.FromSeconds(1))],
        PerEndpoint = [OutboxRateWindow.Of(perEndpoint, TimeSpan.FromSeconds(1))],
    });

    private static Activity To(string conversation, string channel = "msteams", string tenant = "t1") => new()
    {
        Type = ActivityTypes.Message,
        ChannelId = channel,
        ServiceUrl = "https://smba.example/",
        Conversation = new ConversationAccount { Id = conversation, TenantId = tenant },
    };

    [Fact]
    public void AMessageSplitIntoSeveralActivitiesTakesThatManySlots()
    {
        var pacer = Pacer(perConversation: 3, perEndpoint: 100);

        Assert.True(pacer.TryTake(To("a"), 2, Start, out _));
        Assert.False(pacer.TryTake(To("a"), 2, Start, out var retryAt)); // 2 + 2 > 3
        Assert.Equal(Start + TimeSpan.FromSeconds(1), retryAt);
        Assert.True(pacer.TryTake(To("a"), 1, Start, out _)); // the third slot
        Assert.True(pacer.TryTake(To("a"), 2, retryAt, out _));
    }

    [Fact]
    public void AWaitingConversationDoesNotDelayAnotherOnItsEndpointButTheEndpointBudgetIsShared()
    {
        var pacer = Pacer(perConversation: 1, perEndpoint: 3);

        Assert.True(pacer.TryTake(To("a"), 1, Start, out _));
        Assert.False(pacer.TryTake(To("a"), 1, Start, out _)); // a waits; it took nothing
        Assert.True(pacer.TryTake(To("b"), 1, Start, out _));
        Assert.True(pacer.TryTake(To("c"), 1, Start, out _));
        Assert.False(pacer.TryTake(To("d"), 1, Start, out var retryAt)); // the endpoint's 3 are used
        Assert.Equal(Start + TimeSpan.FromSeconds(1), retryAt);
        Assert.True(pacer.TryTake(To("e", tenant: "t2"), 1, Start, out _)); // another tenant's endpoint
    }

    [Fact]
    public void AHoldStopsOnlyItsConversationAlsoOnAChannelThatIsNotPaced()
    {
        var pacer = Pacer(perConversation: 1, perEndpoint: 1);
        var held = To("customer", channel: "directline");

        Assert.True(pacer.TryTake(held, 1, Start, out _));
        Assert.True(pacer.TryTake(held, 1, Start, out _)); // not paced
        pacer.Hold(held, Start + TimeSpan.FromSeconds(60));
        Assert.False(pacer.TryTake(held, 1, Start + TimeSpan.FromSeconds(59), out var retryAt));
        Assert.Equal(Start + TimeSpan.FromSeconds(60), retryAt);
        Assert.True(pacer.TryTake(To("other", channel: "directline"), 1, Start, out _));
        Assert.True(pacer.TryTake(held, 1, retryAt, out _));
    }

    [Fact]
    public void TheReplyThreadsOfOneTeamsChannelShareTheChannelsBudget()
    {
        var pacer = Pacer(perConversation: 2, perEndpoint: 100);

        Assert.True(pacer.TryTake(To("19:agents@thread.tacv2;messageid=1"), 1, Start, out _));
        Assert.True(pacer.TryTake(To("19:agents@thread.tacv2;messageid=2"), 1, Start, out _));
        Assert.False(pacer.TryTake(To("19:agents@thread.tacv2;messageid=3"), 1, Start, out _));
        Assert.True(pacer.TryTake(To("19:chat@thread.v2"), 1, Start, out _)); // another conversation
    }
}
