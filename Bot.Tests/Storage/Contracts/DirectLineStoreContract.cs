using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// What the Direct Line endpoints rely on from <see cref="IDirectLineStore"/>: one owner per conversation, an activity
/// log paged by watermark (position) with nothing skipped or repeated, replacement by id, and uploads by id.
/// </summary>
public abstract class DirectLineStoreContract : StoreContract<IDirectLineStore>
{
    private static Activity At(long position, string conversation = "c1") => new()
    {
        Type = ActivityTypes.Message,
        Id = $"{conversation}|{position:D7}",
        Conversation = new ConversationAccount { Id = conversation },
        Text = $"#{position}",
    };

    private async Task AppendAsync(string conversation, int count)
    {
        for (var position = 1; position <= count; position++)
        {
            await Store.AppendAsync(conversation, position, At(position, conversation), None);
        }
    }

    [Fact]
    public async Task AConversationBelongsToTheUserWhoCreatedItFirst()
    {
        Assert.True(await Store.CreateConversationAsync("c1", "dl_ana", Start, None));

        Assert.False(await Store.CreateConversationAsync("c1", "dl_mallory", Start, None));
        Assert.Equal("dl_ana", await Store.FindConversationAsync("c1", None));
        Assert.Null(await Store.FindConversationAsync("c2", None));
    }

    [Fact]
    public async Task TheLastPositionIsZeroForAnEmptyLogThenTheHighestWritten()
    {
        Assert.Equal(0, await Store.LastPositionAsync("c1", None));

        await AppendAsync("c1", 3);
        await AppendAsync("c2", 7);

        Assert.Equal(3, await Store.LastPositionAsync("c1", None));
    }

    [Fact]
    public async Task PagingByWatermarkReturnsEveryActivityOnceInOrder()
    {
        await AppendAsync("c1", 7);
        await AppendAsync("c2", 2);

        var seen = new List<long>();
        long watermark = 0;
        while (await Store.ReadAfterAsync("c1", watermark, 3, None) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 3);
            seen.AddRange(page.Select(p => p.Position));
            Assert.All(page, p => Assert.Equal($"#{p.Position}", p.Activity.Text));
            watermark = page[^1].Position;
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], seen);
    }

    [Fact]
    public async Task AWatermarkAtOrPastTheEndReadsNothing()
    {
        await AppendAsync("c1", 2);

        Assert.Empty(await Store.ReadAfterAsync("c1", 2, 10, None));
        Assert.Empty(await Store.ReadAfterAsync("c1", 99, 10, None));
        Assert.Empty(await Store.ReadAfterAsync("unknown", 0, 10, None));
    }

    [Fact]
    public async Task APositionIsWrittenOnceAndNeverOverwritten()
    {
        await Store.AppendAsync("c1", 1, At(1), None);

        await Assert.ThrowsAnyAsync<Exception>(() => Store.AppendAsync("c1", 1, At(1) with { Text = "other" }, None));
        Assert.Equal("#1", Assert.Single(await Store.ReadAfterAsync("c1", 0, 10, None)).Activity.Text);
    }

    [Fact]
    public async Task ReplacingAnActivityKeepsItsPositionAndUnknownIdsAreReported()
    {
        await AppendAsync("c1", 2);

        Assert.True(await Store.ReplaceAsync("c1", At(1) with { Text = "edited" }, None));
        Assert.False(await Store.ReplaceAsync("c1", At(9) with { Text = "nobody" }, None));
        Assert.False(await Store.ReplaceAsync("c2", At(1) with { Text = "other conversation" }, None));

        Assert.Equal([(1L, "edited"), (2L, "#2")], (await Store.ReadAfterAsync("c1", 0, 10, None)).Select(p => (p.Position, p.Activity.Text)));
    }

    [Fact]
    public async Task AnActivityTimestampSurvivesTheRoundTrip()
    {
        await Store.AppendAsync("c1", 1, At(1) with { Timestamp = Start }, None);

        Assert.Equal(Start, Assert.Single(await Store.ReadAfterAsync("c1", 0, 1, None)).Activity.Timestamp);
    }

    [Fact]
    public async Task AnUploadIsFoundByItsIdWithOrWithoutAName()
    {
        var named = new StoredAttachment("att-1", "c1", "image/png", "photo.png", 1234);
        var unnamed = new StoredAttachment("att-2", "c1", "application/octet-stream", null, 0);

        await Store.SaveAttachmentAsync(named, None);
        await Store.SaveAttachmentAsync(unnamed, None);

        Assert.Equal(named, await Store.FindAttachmentAsync("att-1", None));
        Assert.Equal(unnamed, await Store.FindAttachmentAsync("att-2", None));
        Assert.Null(await Store.FindAttachmentAsync("att-3", None));
    }
}

public sealed class SqliteDirectLineStoreTests : DirectLineStoreContract
{
    protected override Task<IDirectLineStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<IDirectLineStore>(new SqliteDirectLineStore(Owns(SqliteTestDatabase.Create(time, new SqliteDirectLineStore.Schema())).Database));
}

public sealed class PostgresDirectLineStoreTests : DirectLineStoreContract
{
    protected override async Task<IDirectLineStore> CreateStoreAsync(TimeProvider time) =>
        new PostgresDirectLineStore(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresDirectLineStore.Schema())).Database);
}
