using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// What callers of <see cref="IInboxStore"/> rely on: an acknowledged activity is kept until its turn commits, in
/// arrival order, and a channel's redelivery of it is recognised instead of being run twice.
/// </summary>
public abstract class InboxStoreContract : StoreContract<IInboxStore>
{
    private static Activity Inbound(string? id, string conversation = "c1", string channel = "msteams") => new()
    {
        Type = ActivityTypes.Message,
        Id = id,
        ChannelId = channel,
        Conversation = new ConversationAccount { Id = conversation },
        Text = $"text of {id}",
    };

    /// <summary>Marks the item done the way the provider's turn commit does.</summary>
    protected abstract Task CompleteAsync(long itemId);

    [Fact]
    public async Task AnAddedActivityIsPendingWithEverythingItCarried()
    {
        var activity = Inbound("a1") with { Timestamp = Start };

        var item = await Store.AddAsync(activity, None);

        var pending = Assert.Single(await Store.ReadPendingAsync(None));
        Assert.Equal(item!.Id, pending.Id);
        Assert.Equal(activity.Text, pending.Activity.Text);
        Assert.Equal(Start, pending.Activity.Timestamp);
    }

    [Fact]
    public async Task ARedeliveryIsRecognisedAndStoredOnce()
    {
        await Store.AddAsync(Inbound("a1"), None);

        var again = await Store.AddAsync(Inbound("a1"), None);

        Assert.Null(again);
        Assert.Single(await Store.ReadPendingAsync(None));
    }

    [Fact]
    public async Task ARedeliveryAfterTheTurnCommittedIsStillNotRunAgain()
    {
        var item = await Store.AddAsync(Inbound("a1"), None);
        await CompleteAsync(item!.Id);

        Assert.Null(await Store.AddAsync(Inbound("a1"), None));
        Assert.Empty(await Store.ReadPendingAsync(None));
    }

    [Fact]
    public async Task AnItemIsToRunUntilItsTurnCommitsAndASecondCommitOfItIsRefused()
    {
        var item = await Store.AddAsync(Inbound("a1"), None);
        Assert.True(await Store.IsToRunHereAsync(item!.Id, None));

        await CompleteAsync(item.Id);

        Assert.False(await Store.IsToRunHereAsync(item.Id, None));
        var refused = await Assert.ThrowsAsync<InboxItemAlreadyDoneException>(() => CompleteAsync(item.Id));
        Assert.Equal(item.Id, refused.ItemId);
    }

    [Fact]
    public async Task TheSameActivityIdInAnotherConversationOrChannelIsNotARedelivery()
    {
        await Store.AddAsync(Inbound("a1"), None);

        Assert.NotNull(await Store.AddAsync(Inbound("a1", conversation: "c2"), None));
        Assert.NotNull(await Store.AddAsync(Inbound("a1", channel: "directline"), None));
        Assert.Equal(3, (await Store.ReadPendingAsync(None)).Count);
    }

    [Fact]
    public async Task ActivitiesWithoutAnIdAreNeverTakenForRedeliveries()
    {
        Assert.NotNull(await Store.AddAsync(Inbound(null), None));
        Assert.NotNull(await Store.AddAsync(Inbound(null), None));

        Assert.Equal(2, (await Store.ReadPendingAsync(None)).Count);
    }

    [Fact]
    public async Task PendingItemsComeOldestFirstAndCommittedOnesLeave()
    {
        var first = await Store.AddAsync(Inbound("a1"), None);
        var second = await Store.AddAsync(Inbound("a2", conversation: "c2"), None);
        var third = await Store.AddAsync(Inbound("a3"), None);

        await CompleteAsync(second!.Id);

        Assert.Equal([first!.Id, third!.Id], (await Store.ReadPendingAsync(None)).Select(i => i.Id));
        Assert.Equal(["a1", "a3"], (await Store.ReadPendingAsync(None)).Select(i => i.Activity.Id));
    }

    [Fact]
    public async Task RepliesRecordedForAnUnfinishedTurnComeBackWithItsItemInOrderUntilItCommits()
    {
        var first = await Store.AddAsync(Inbound("a1"), None);
        var second = await Store.AddAsync(Inbound("a2"), None);

        await Store.MarkRepliedAsync(first!.Id, 0, "reply-0", None);
        await Store.MarkRepliedAsync(first.Id, 1, null, None);
        await Store.MarkRepliedAsync(first.Id, 0, "recorded-again", None);
        await Store.MarkRepliedAsync(second!.Id, 1, "without-position-0", None);

        var pending = await Store.ReadPendingAsync(None);
        Assert.Equal(["reply-0", null], pending.Single(i => i.Id == first.Id).Replied);
        Assert.Empty(pending.Single(i => i.Id == second.Id).Replied);

        await CompleteAsync(first.Id);
        Assert.Equal([second.Id], (await Store.ReadPendingAsync(None)).Select(i => i.Id));
    }
}

public sealed class SqliteInboxStoreTests : InboxStoreContract
{
    private SqliteTurnStore? _turns;

    protected override Task<IInboxStore> CreateStoreAsync(TimeProvider time)
    {
        var database = Owns(SqliteTestDatabase.Create(time, new SqliteInboxStore.Schema(), new SqliteTranscriptStore.Schema(), new SqliteConversationStateStore.Schema())).Database;
        _turns = new SqliteTurnStore(database, new SqliteRecordWriters([]), time);
        return Task.FromResult<IInboxStore>(new SqliteInboxStore(database, time));
    }

    protected override Task CompleteAsync(long itemId) => _turns!.CommitAsync(new TurnCommit([], null, itemId, []), None);
}

public sealed class PostgresInboxStoreTests : InboxStoreContract
{
    private PostgresTurnStore? _turns;

    protected override async Task<IInboxStore> CreateStoreAsync(TimeProvider time)
    {
        var database = Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresInboxStore.Schema(), new PostgresTranscriptStore.Schema(), new PostgresConversationStateStore.Schema())).Database;
        _turns = new PostgresTurnStore(database, new PostgresRecordWriters([]), time);
        return new PostgresInboxStore(database, time);
    }

    protected override Task CompleteAsync(long itemId) => _turns!.CommitAsync(new TurnCommit([], null, itemId, []), None);
}
