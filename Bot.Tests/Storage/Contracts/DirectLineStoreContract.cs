using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;
using HandoffBot.Storage.Postgres;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// What the Direct Line endpoints rely on from <see cref="IDirectLineStore"/>: one owner per conversation, positions
/// allocated by the store one after the other (also under concurrent appends), an activity log paged by watermark
/// (position) with nothing skipped or repeated, replacement by id, and uploads by id.
/// </summary>
public abstract class DirectLineStoreContract : StoreContract<IDirectLineStore>
{
    private static Func<long, Activity> At(string conversation = "c1", string? text = null) => position => new()
    {
        Type = ActivityTypes.Message,
        Id = $"{conversation}|{position:D7}",
        Conversation = new ConversationAccount { Id = conversation },
        Text = text ?? $"#{position}",
    };

    private async Task AppendAsync(string conversation, int count)
    {
        await Store.CreateConversationAsync(conversation, "dl_user", Start, None);
        for (var i = 0; i < count; i++)
        {
            await Store.AppendAsync(conversation, At(conversation), None);
        }
    }

    /// <summary>
    /// A database with version 1 of the Direct Line schema (positions not yet counted by the conversation row) where
    /// <paramref name="conversation"/> holds activities at positions 1..<paramref name="positions"/> and
    /// <paramref name="empty"/> none, opened by this build (migrated).
    /// </summary>
    protected abstract Task<IDirectLineStore> MigratedFromVersion1Async(string conversation, int positions, string empty);

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
    public async Task PositionsAreAllocatedOneAfterTheOtherPerConversationAndTheActivityIsStoredAtItsPosition()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);
        await Store.CreateConversationAsync("c2", "dl_bo", Start, None);

        var first = await Store.AppendAsync("c1", At("c1"), None);
        var other = await Store.AppendAsync("c2", At("c2"), None);
        var second = await Store.AppendAsync("c1", At("c1"), None);

        Assert.Equal((1L, "c1|0000001", "#1"), (first.Position, first.Activity.Id, first.Activity.Text));
        Assert.Equal((1L, "c2|0000001"), (other.Position, other.Activity.Id));
        Assert.Equal((2L, "c1|0000002"), (second.Position, second.Activity.Id));
        Assert.Equal([(1L, "c1|0000001"), (2L, "c1|0000002")], (await Store.ReadAfterAsync("c1", 0, 10, None)).Select(p => (p.Position, p.Activity.Id)));
    }

    [Fact]
    public async Task ManyAppendsAtOnceToOneConversationGetDistinctConsecutivePositionsAndNoneIsLost()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);

        var appended = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => Store.AppendAsync("c1", At("c1", $"n{i}"), None))));

        Assert.Equal(Enumerable.Range(1, 60).Select(p => (long)p), appended.Select(a => a.Position).Order());
        var stored = await Store.ReadAfterAsync("c1", 0, 100, None);
        Assert.Equal(Enumerable.Range(1, 60).Select(p => (long)p), stored.Select(p => p.Position));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"n{i}").Order(), stored.Select(p => p.Activity.Text!).Order());
        Assert.All(stored, p => Assert.Equal($"c1|{p.Position:D7}", p.Activity.Id));
        Assert.Equal(60, await Store.LastPositionAsync("c1", None));
    }

    [Fact]
    public async Task TheSameReplyAppendedTwiceIsStoredOnceAndTheRepeatReturnsTheSameIdAndPosition()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);

        var first = await Store.AppendAsync("c1", "inbox/7/0", At("c1", "answer"), None);
        var between = await Store.AppendAsync("c1", "inbox/8/0", At("c1", "next answer"), None);
        var repeat = await Store.AppendAsync("c1", "inbox/7/0", At("c1", "answer, replayed"), None);

        Assert.Equal((true, 1L, "c1|0000001"), (first.Appended, first.Position, first.Activity.Id));
        Assert.True(between.Appended);
        Assert.Equal((false, 1L, "c1|0000001", "answer"), (repeat.Appended, repeat.Position, repeat.Activity.Id, repeat.Activity.Text));
        Assert.Equal([(1L, "answer"), (2L, "next answer")], (await Store.ReadAfterAsync("c1", 0, 10, None)).Select(p => (p.Position, p.Activity.Text)));
        Assert.Equal(2, await Store.LastPositionAsync("c1", None));
    }

    [Fact]
    public async Task TheSameReplyAppendedManyTimesAtOnceIsStoredOnceAndEveryAppendReturnsItsId()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);

        var appended = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => Store.AppendAsync("c1", i % 2 == 0 ? "inbox/1/0" : "inbox/1/1", At("c1", $"n{i % 2}"), None))));

        Assert.Equal(2, appended.Count(a => a.Appended));
        Assert.Equal(["c1|0000001", "c1|0000002"], appended.Select(a => a.Activity.Id).Distinct().Order());
        Assert.All(appended, a => Assert.Equal($"c1|{a.Position:D7}", a.Activity.Id));
        Assert.Equal(["n0", "n1"], (await Store.ReadAfterAsync("c1", 0, 10, None)).Select(p => p.Activity.Text!).Order());
        Assert.Equal(2, await Store.LastPositionAsync("c1", None));
    }

    [Fact]
    public async Task AKeyIsPerConversationAndActivitiesWithoutAKeyAreAlwaysAppended()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);
        await Store.CreateConversationAsync("c2", "dl_bo", Start, None);

        Assert.True((await Store.AppendAsync("c1", "outbox/k/0", At("c1"), None)).Appended);
        Assert.True((await Store.AppendAsync("c2", "outbox/k/0", At("c2"), None)).Appended);
        Assert.True((await Store.AppendAsync("c1", null, At("c1"), None)).Appended);
        Assert.True((await Store.AppendAsync("c1", null, At("c1"), None)).Appended);

        Assert.Equal(3, await Store.LastPositionAsync("c1", None));
        Assert.Equal(1, await Store.LastPositionAsync("c2", None));
    }

    [Fact]
    public async Task AppendingToAConversationThatDoesNotExistFailsAndStoresNothing()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.AppendAsync("nobody", At("nobody"), None));

        Assert.Empty(await Store.ReadAfterAsync("nobody", 0, 10, None));
        Assert.Equal(0, await Store.LastPositionAsync("nobody", None));
    }

    [Fact]
    public async Task TheLastPositionsOfSeveralConversationsAreReadAtOnceAndUnknownOnesAreLeftOut()
    {
        await AppendAsync("c1", 3);
        await AppendAsync("c2", 1);
        await Store.CreateConversationAsync("c3", "dl_user", Start, None);

        var last = await Store.LastPositionsAsync(["c1", "c2", "c3", "unknown"], None);

        Assert.Equal(new Dictionary<string, long> { ["c1"] = 3, ["c2"] = 1, ["c3"] = 0 }, last);
    }

    [Fact]
    public async Task AnExistingConversationContinuesAfterItsHighestPositionOnceTheSchemaIsMigrated()
    {
        var store = await MigratedFromVersion1Async("old", 4, "old-empty");

        Assert.Equal(4, await store.LastPositionAsync("old", None));
        Assert.Equal(5, (await store.AppendAsync("old", At("old"), None)).Position);
        Assert.Equal(1, (await store.AppendAsync("old-empty", At("old-empty"), None)).Position);
        Assert.Equal([1L, 2, 3, 4, 5], (await store.ReadAfterAsync("old", 0, 10, None)).Select(p => p.Position));
    }

    [Fact]
    public async Task ReplacingAnActivityKeepsItsPositionAndUnknownIdsAreReported()
    {
        await AppendAsync("c1", 2);
        await AppendAsync("c2", 1);

        Assert.Equal(1, await Store.ReplaceAsync("c1", At("c1", "edited")(1), None));
        Assert.Null(await Store.ReplaceAsync("c1", At("c1", "nobody")(9), None));
        Assert.Null(await Store.ReplaceAsync("c2", At("c1", "other conversation")(1), None));

        Assert.Equal([(1L, "edited"), (2L, "#2")], (await Store.ReadAfterAsync("c1", 0, 10, None)).Select(p => (p.Position, p.Activity.Text)));
    }

    [Fact]
    public async Task AnActivityTimestampSurvivesTheRoundTrip()
    {
        await Store.CreateConversationAsync("c1", "dl_ana", Start, None);
        await Store.AppendAsync("c1", p => At()(p) with { Timestamp = Start }, None);

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
    private sealed class Version1() : SqliteSchema("directline", new SqliteDirectLineStore.Schema().Migrations[0]);

    protected override Task<IDirectLineStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<IDirectLineStore>(new SqliteDirectLineStore(Owns(SqliteTestDatabase.Create(time, new SqliteDirectLineStore.Schema())).Database));

    protected override async Task<IDirectLineStore> MigratedFromVersion1Async(string conversation, int positions, string empty)
    {
        var folder = Directory.CreateTempSubdirectory("handoffbot-dl-migration-");
        await using (var old = SqliteTestDatabase.OnFile(folder.FullName, Time, null, new Version1()))
        {
            await old.WriteAsync(session =>
            {
                foreach (var id in new[] { conversation, empty })
                {
                    session.Command("INSERT INTO directline_conversation (conversation_id, user_id, created_at) VALUES ($id, 'dl_old', 0)").With("$id", id).ExecuteNonQuery();
                }
                for (var position = 1; position <= positions; position++)
                {
                    session.Command("INSERT INTO directline_activity (conversation_id, position, activity_id, json) VALUES ($c, $p, $id, '{\"type\":\"message\"}')")
                        .With("$c", conversation).With("$p", position).With("$id", $"{conversation}|{position:D7}").ExecuteNonQuery();
                }
                return positions;
            }, None);
        }
        Owns(new FolderRemoval(folder));
        return new SqliteDirectLineStore(Owns(SqliteTestDatabase.OnFile(folder.FullName, Time, null, new SqliteDirectLineStore.Schema())));
    }

    private sealed class FolderRemoval(DirectoryInfo folder) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class PostgresDirectLineStoreTests : DirectLineStoreContract
{
    private sealed class Version1() : PostgresSchema("directline", new PostgresDirectLineStore.Schema().Migrations[0]);

    protected override async Task<IDirectLineStore> CreateStoreAsync(TimeProvider time) =>
        new PostgresDirectLineStore(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresDirectLineStore.Schema())).Database);

    protected override async Task<IDirectLineStore> MigratedFromVersion1Async(string conversation, int positions, string empty)
    {
        var old = Owns(await PostgresTestDatabase.CreateAsync(Time, new Version1()));
        await old.Database.WriteAsync(async session =>
        {
            foreach (var id in new[] { conversation, empty })
            {
                await session.ExecuteAsync("INSERT INTO directline_conversation (conversation_id, user_id, created_at) VALUES (@id, 'dl_old', now())", ("id", id));
            }
            for (var position = 1; position <= positions; position++)
            {
                await session.ExecuteAsync("INSERT INTO directline_activity (conversation_id, position, activity_id, json) VALUES (@c, @p, @id, '{\"type\":\"message\"}')",
                    ("c", conversation), ("p", (long)position), ("id", $"{conversation}|{position:D7}"));
            }
            return positions;
        }, None);
        return new PostgresDirectLineStore(Owns(PostgresTestDatabase.Open(old.ConnectionString, Time, [new PostgresDirectLineStore.Schema()], "migrated")));
    }
}
