using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// What the <see cref="OutboxDispatcher"/> relies on: claims in order per destination, a row in flight or waiting for
/// its retry holds the later rows of its destination (and only those), delivered rows marked sent together keep their
/// transcript order, and rows a dead process had in flight are due again.
/// </summary>
public abstract class HandoffOutboxContract : StoreContract<IHandoffOutbox>
{
    private const int All = 512;

    protected abstract Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId);

    private static OutboxMessage ToCustomer(string key, string conversation) => new(key, "h1", new Activity
    {
        Type = ActivityTypes.Message,
        Id = key,
        Text = key,
        ChannelId = "emulator",
        ServiceUrl = "http://127.0.0.1:9/",
        Conversation = new ConversationAccount { Id = conversation },
        From = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
        Recipient = new ChannelAccount { Id = "customer" },
    }, ToCustomer: true);

    private async Task EnqueueAsync(params OutboxMessage[] messages)
    {
        foreach (var message in messages)
        {
            Assert.True(await Store.EnqueueAsync(message, None));
        }
    }

    private static OutboxSent Sent(OutboxDelivery delivery) =>
        new(delivery, $"channel-{delivery.Message.Key}", [delivery.Message.Activity with { Id = $"channel-{delivery.Message.Key}" }]);

    private static IEnumerable<string> Keys(IEnumerable<OutboxDelivery> deliveries) => deliveries.Select(d => d.Message.Key);

    [Fact]
    public async Task RowsMarkedSentTogetherAreAllSentWithTheirTranscriptInTheOrderGiven()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"), ToCustomer("b1", "conv-b"), ToCustomer("a2", "conv-a"));
        var claimed = await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None);
        Assert.Equal(["a1", "a2", "b1"], Keys(claimed));

        await Store.MarkSentAsync([.. claimed.Select(Sent)], None);

        Assert.Empty(await Store.UndeliveredAsync(None));
        Assert.Equal(["channel-a1", "channel-a2"], (await TranscriptAsync("conv-a")).Select(a => a.Id));
        Assert.Equal(["channel-b1"], (await TranscriptAsync("conv-b")).Select(a => a.Id));
        Assert.Equal("channel-a2", await Store.DeliveredIdAsync("a2", None));
        Assert.Empty(await Store.ClaimDueAsync(Time.GetUtcNow() + TimeSpan.FromHours(1), All, 32, None));
    }

    [Fact]
    public async Task AFailureInTheMiddleHoldsTheLaterRowsOfItsDestinationOnlyAndTheyFollowItInOrder()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"), ToCustomer("a2", "conv-a"), ToCustomer("a3", "conv-a"), ToCustomer("b1", "conv-b"));
        var claimed = (await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None)).ToDictionary(d => d.Message.Key);

        // a1 delivered, a2 failed (retry in a minute), a3 given back unsent; b1 delivered, marked with a1 in one go.
        await Store.MarkSentAsync([Sent(claimed["a1"]), Sent(claimed["b1"])], None);
        await Store.MarkUndeliveredAsync(claimed["a2"], Time.GetUtcNow() + TimeSpan.FromMinutes(1), "503", givenUp: false, None);
        await Store.ReleaseAsync([claimed["a3"]], None);
        await EnqueueAsync(ToCustomer("b2", "conv-b"));

        Assert.Equal(["b2"], Keys(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None)));
        Time.Advance(TimeSpan.FromMinutes(1));
        var retried = await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None);
        Assert.Equal(["a2", "a3"], Keys(retried));
        Assert.Equal(1, retried[0].Attempts);

        await Store.MarkSentAsync([.. retried.Select(Sent)], None);
        Assert.Equal(["channel-a1", "channel-a2", "channel-a3"], (await TranscriptAsync("conv-a")).Select(a => a.Id));
        Assert.DoesNotContain(await Store.UndeliveredAsync(None), i => i.Key.StartsWith('a'));
    }

    [Fact]
    public async Task ARowInFlightIsNotClaimedAgainAndHoldsItsDestinationWhileOthersGoOn()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"), ToCustomer("b1", "conv-b"));
        Assert.Equal(["a1"], Keys(await Store.ClaimDueAsync(Time.GetUtcNow(), 1, 32, None)));
        await EnqueueAsync(ToCustomer("a2", "conv-a"));

        Time.Advance(TimeSpan.FromHours(1)); // however long the send takes
        Assert.Equal(["b1"], Keys(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None)));
        Assert.Empty(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None));
    }

    [Fact]
    public async Task AtMostTheGivenNumberPerDestinationIsClaimedAndTheRestFollowsInOrder()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"), ToCustomer("a2", "conv-a"), ToCustomer("a3", "conv-a"));
        var first = await Store.ClaimDueAsync(Time.GetUtcNow(), All, 2, None);
        Assert.Equal(["a1", "a2"], Keys(first));
        Assert.Empty(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 2, None)); // a3 waits behind its destination's rows in flight

        await Store.MarkSentAsync([.. first.Select(Sent)], None);
        Assert.Equal(["a3"], Keys(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 2, None)));
    }

    [Fact]
    public async Task RowsInFlightWhenTheProcessDiedAreDueAgainAfterTheRestart()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"), ToCustomer("a2", "conv-a"));
        Assert.Equal(2, (await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None)).Count);

        Assert.Equal(2, await Store.RecoverAbandonedAsync(None));

        Assert.Equal(["a1", "a2"], Keys(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None)));
    }

    [Fact]
    public async Task AKeyStoredAlreadyIsNotStoredTwice()
    {
        await EnqueueAsync(ToCustomer("a1", "conv-a"));

        Assert.False(await Store.EnqueueAsync(ToCustomer("a1", "conv-a") with { HandoffId = "h2" }, None));
        Assert.Single(await Store.ClaimDueAsync(Time.GetUtcNow(), All, 32, None));
    }
}

public sealed class SqliteHandoffOutboxTests : HandoffOutboxContract
{
    private SqliteTranscriptStore? _transcripts;

    protected override Task<IHandoffOutbox> CreateStoreAsync(TimeProvider time)
    {
        var database = Owns(SqliteTestDatabase.Create(time, new SqliteHandoffOutbox.Schema(), new SqliteTranscriptStore.Schema())).Database;
        _transcripts = new SqliteTranscriptStore(database);
        return Task.FromResult<IHandoffOutbox>(new SqliteHandoffOutbox(database, new OutboxSignal(), time));
    }

    protected override Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId) => _transcripts!.ReadAsync(conversationId, None);
}

public sealed class PostgresHandoffOutboxTests : HandoffOutboxContract
{
    private PostgresTranscriptStore? _transcripts;

    protected override async Task<IHandoffOutbox> CreateStoreAsync(TimeProvider time)
    {
        var database = Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresHandoffOutbox.Schema(), new PostgresTranscriptStore.Schema(), new PostgresInstanceHeartbeat.Schema())).Database;
        _transcripts = new PostgresTranscriptStore(database);
        return new PostgresHandoffOutbox(database, new OutboxSignal(), time);
    }

    protected override Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId) => _transcripts!.ReadAsync(conversationId, None);
}
