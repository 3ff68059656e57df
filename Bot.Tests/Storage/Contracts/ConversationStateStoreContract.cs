using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>What callers of <see cref="IConversationStateStore"/> rely on: versions and optimistic concurrency.</summary>
public abstract class ConversationStateStoreContract : StoreContract<IConversationStateStore>
{
    private const string Key = "directline/conversations/c1";

    [Fact]
    public async Task AKeyNeverWrittenReadsAsNull() => Assert.Null(await Store.ReadAsync(Key, None));

    [Fact]
    public async Task ANewDocumentIsVersionOneAndReadsBackAsWritten()
    {
        var version = await Store.WriteAsync(Key, """{"turns":1}""", null, None);

        var stored = await Store.ReadAsync(Key, None);
        Assert.Equal(1, version);
        Assert.Equal(new StateDocument(Key, """{"turns":1}""", 1), stored);
    }

    [Fact]
    public async Task WritingAtTheVersionReadReplacesTheDocumentAndBumpsTheVersion()
    {
        var first = await Store.WriteAsync(Key, """{"turns":1}""", null, None);

        var second = await Store.WriteAsync(Key, """{"turns":2}""", first, None);

        Assert.Equal(first + 1, second);
        Assert.Equal(new StateDocument(Key, """{"turns":2}""", second), await Store.ReadAsync(Key, None));
    }

    [Fact]
    public async Task WritingAtAStaleVersionThrowsStateConflictAndKeepsTheNewerDocument()
    {
        var first = await Store.WriteAsync(Key, """{"turns":1}""", null, None);
        await Store.WriteAsync(Key, """{"turns":2}""", first, None);

        var conflict = await Assert.ThrowsAsync<StateConflictException>(() => Store.WriteAsync(Key, """{"turns":"stale"}""", first, None));

        Assert.Equal(Key, conflict.Key);
        Assert.Equal("""{"turns":2}""", (await Store.ReadAsync(Key, None))!.Json);
    }

    [Fact]
    public async Task CreatingADocumentThatExistsThrowsStateConflict()
    {
        await Store.WriteAsync(Key, """{"who":"first"}""", null, None);

        await Assert.ThrowsAsync<StateConflictException>(() => Store.WriteAsync(Key, """{"who":"second"}""", null, None));
        Assert.Equal("""{"who":"first"}""", (await Store.ReadAsync(Key, None))!.Json);
    }

    [Fact]
    public async Task UpdatingADocumentThatDoesNotExistThrowsStateConflictAndCreatesNothing()
    {
        await Assert.ThrowsAsync<StateConflictException>(() => Store.WriteAsync(Key, "{}", 3, None));

        Assert.Null(await Store.ReadAsync(Key, None));
    }

    [Fact]
    public async Task KeysAreExactAndIndependent()
    {
        await Store.WriteAsync(Key, """{"n":"lower"}""", null, None);
        await Store.WriteAsync(Key.ToUpperInvariant(), """{"n":"upper"}""", null, None);

        Assert.Equal("""{"n":"lower"}""", (await Store.ReadAsync(Key, None))!.Json);
        Assert.Equal("""{"n":"upper"}""", (await Store.ReadAsync(Key.ToUpperInvariant(), None))!.Json);
        Assert.Null(await Store.ReadAsync(Key + "/x", None));
    }
}

public sealed class SqliteConversationStateStoreTests : ConversationStateStoreContract
{
    protected override Task<IConversationStateStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<IConversationStateStore>(new SqliteConversationStateStore(
            Owns(SqliteTestDatabase.Create(time, new SqliteConversationStateStore.Schema())).Database, time));
}

public sealed class PostgresConversationStateStoreTests : ConversationStateStoreContract
{
    protected override async Task<IConversationStateStore> CreateStoreAsync(TimeProvider time) =>
        new PostgresConversationStateStore(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresConversationStateStore.Schema())).Database, time);
}
