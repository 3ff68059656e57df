using System.Text.Json;
using HandoffBot.Protocol;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>What callers of <see cref="ITranscriptStore"/> rely on: every activity kept whole, in order, per conversation.</summary>
public abstract class TranscriptStoreContract : StoreContract<ITranscriptStore>
{
    private static Activity Message(string channel, string conversation, string text) => new()
    {
        Type = ActivityTypes.Message,
        Id = $"{conversation}-{text}",
        ChannelId = channel,
        Conversation = new ConversationAccount { Id = conversation },
        Text = text,
    };

    [Fact]
    public async Task AConversationWithoutActivitiesReadsAsEmpty()
    {
        await Store.AppendAsync([], None);

        Assert.Empty(await Store.ReadAsync("directline", "nobody", None));
        Assert.Empty(await Store.ReadAsync("nobody", None));
    }

    [Fact]
    public async Task ActivitiesReadBackInTheOrderTheyWereAppended()
    {
        await Store.AppendAsync([Message("directline", "c1", "1"), Message("directline", "c1", "2")], None);
        await Store.AppendAsync([Message("directline", "c2", "other")], None);
        await Store.AppendAsync([Message("directline", "c1", "3")], None);

        var texts = (await Store.ReadAsync("directline", "c1", None)).Select(a => a.Text);

        Assert.Equal(["1", "2", "3"], texts);
    }

    [Fact]
    public async Task AConversationIsReadOnItsChannelOrFoundByIdAlone()
    {
        await Store.AppendAsync([Message("msteams", "shared-id", "teams"), Message("directline", "shared-id", "web")], None);

        Assert.Equal(["teams"], (await Store.ReadAsync("msteams", "shared-id", None)).Select(a => a.Text));
        Assert.Equal(["teams", "web"], (await Store.ReadAsync("shared-id", None)).Select(a => a.Text));
    }

    [Fact]
    public async Task TimestampsAndFieldsTheProtocolDoesNotModelSurviveTheRoundTrip()
    {
        var local = new DateTimeOffset(2026, 12, 1, 10, 30, 15, TimeSpan.FromHours(1)).AddTicks(1234);
        var activity = Message("directline", "c1", "hello") with
        {
            Timestamp = Start,
            LocalTimestamp = local,
            Properties = new() { ["x-vendor"] = JsonSerializer.SerializeToElement(42) },
        };

        await Store.AppendAsync([activity], None);
        var stored = Assert.Single(await Store.ReadAsync("directline", "c1", None));

        Assert.Equal(Start, stored.Timestamp);
        Assert.Equal(local, stored.LocalTimestamp);
        Assert.Equal(local.Offset, stored.LocalTimestamp!.Value.Offset);
        Assert.Equal(42, stored.Properties!["x-vendor"].GetInt32());
    }
}

public sealed class SqliteTranscriptStoreTests : TranscriptStoreContract
{
    protected override Task<ITranscriptStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<ITranscriptStore>(new SqliteTranscriptStore(Owns(SqliteTestDatabase.Create(time, new SqliteTranscriptStore.Schema())).Database));
}

public sealed class PostgresTranscriptStoreTests : TranscriptStoreContract
{
    protected override async Task<ITranscriptStore> CreateStoreAsync(TimeProvider time) =>
        new PostgresTranscriptStore(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresTranscriptStore.Schema())).Database);
}
