using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Handoff;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Storage;

/// <summary>
/// A database written before the handoff tables moved to the one timestamp representation (handoff schema version 2,
/// round-trip text): after the upgrade every handoff, audit line and offer reads at the same instant, the sweep still
/// finds the offer that is due (and not the one that is not), and the event sequence goes on after the last one.
/// </summary>
public sealed class SqliteHandoffTimestampMigrationTests : IDisposable
{
    private static readonly DateTimeOffset Opened = new DateTimeOffset(2026, 11, 30, 8, 15, 30, TimeSpan.Zero).AddTicks(1_234_567); // .1234567 s
    private static readonly HandoffBot.Protocol.ConversationReference Hub = new() { ChannelId = "emulator", Conversation = new HandoffBot.Protocol.ConversationAccount { Id = "hub" } };
    private readonly string _folder = Directory.CreateTempSubdirectory("handoffbot-migrate-ts-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The handoff schema as version 2 of it was.</summary>
    private sealed class Version2(ISqliteSchema full) : SqliteSchema(full.Name, [.. full.Migrations.Take(2)]);

    private static string Text(DateTimeOffset at) => at.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes two handoffs and their audit lines as version 2 stored them.</summary>
    private async Task WriteVersion2Async()
    {
        var full = new SqliteHandoffStore.Schema();
        await using (var old = SqliteTestDatabase.OnFile(_folder, _time, null, new Version2(full)))
        {
            await old.InitialiseAsync(CancellationToken.None);
        }
        var offered = HandoffRecord.Open(HandoffStoreContract.Draft("h-offered", "emulator/conversations/a"), Opened).Value!
            .Offer("alex", Opened.AddSeconds(5), "longest idle").Value! with { Version = 2, HubThread = Hub };
        var later = HandoffRecord.Open(HandoffStoreContract.Draft("h-later", "emulator/conversations/b"), Opened.AddMinutes(1)).Value!
            .Offer("sam", Opened.AddMinutes(1).AddSeconds(5), "longest idle").Value! with { Version = 2, HubThread = Hub };
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "handoffbot.db")};Pooling=False");
        connection.Open();
        foreach (var record in new[] { offered, later })
        {
            Execute(connection, "INSERT INTO handoff (id, customer_key, status, active, version, hub_conversation, created_at, updated_at, json) VALUES ($1, $2, 'Offered', 1, 2, 'hub', $3, $4, $5)",
                record.Id, record.CustomerKey, Text(record.CreatedAt), Text(record.UpdatedAt), System.Text.Json.JsonSerializer.Serialize(record, HandoffJsonContext.Default.HandoffRecord));
            Execute(connection, "INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason) VALUES ($1, $2, 'customer', 'u1', NULL, 'open', 'Bot', 'Queued', 'asked')",
                record.Id, Text(record.CreatedAt), null, null, null);
            Execute(connection, "INSERT INTO handoff_audit (handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason) VALUES ($1, $2, 'system', 'router', NULL, 'offer', 'Queued', 'Offered', 'longest idle')",
                record.Id, Text(record.OfferedAt!.Value), null, null, null);
        }
    }

    private static void Execute(SqliteConnection connection, string sql, params object?[] values)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue($"${i + 1}", values[i] ?? DBNull.Value);
        }
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task HandoffsAndTheirAuditReadTheSameAfterTheUpgradeAndTheSweepFindsWhatIsDue()
    {
        await WriteVersion2Async();

        await using var database = SqliteTestDatabase.OnFile(_folder, _time, null, new SqliteHandoffStore.Schema(), new SqliteAnalyticsStore.Schema());
        await database.InitialiseAsync(CancellationToken.None);
        var store = new SqliteHandoffStore(database, new SqliteRecordWriters([]), new HandoffEventSignal());

        var audit = await store.ReadAuditAsync("h-offered", CancellationToken.None);
        Assert.Equal(["open", "offer"], audit.Select(a => a.Action));
        Assert.Equal(Opened.AddTicks(-7), audit[0].At); // microseconds kept, the 100 ns tick below them dropped
        Assert.Equal(Opened.AddSeconds(5).AddTicks(-7), audit[1].At);

        // Due: the first offer only (the second was made a minute later).
        var due = await store.ListForSweepAsync(Opened.AddSeconds(30), CancellationToken.None);
        Assert.Equal(["h-offered"], due.Select(h => h.Id));
        Assert.Empty(await store.ListForSweepAsync(Opened.AddSeconds(4), CancellationToken.None));
        Assert.Equal(2, (await store.ListForSweepAsync(Opened.AddMinutes(2), CancellationToken.None)).Count);

        // The next transition is stored after the old lines, with a later event sequence.
        var log = new SqliteHandoffEventLog(database);
        var lastBefore = await log.LatestSequenceAsync(CancellationToken.None);
        var accepted = await store.TryClaimAsync("h-offered", "alex", "Alex", Opened.AddSeconds(9), CancellationToken.None);
        Assert.True(accepted.Succeeded);
        Assert.True(await log.LatestSequenceAsync(CancellationToken.None) > lastBefore);
        Assert.Equal(["open", "offer", "accept"], (await store.ReadAuditAsync("h-offered", CancellationToken.None)).Select(a => a.Action));
        Assert.Equal("h-later", Assert.Single(await store.ListForSweepAsync(Opened.AddMinutes(2), CancellationToken.None)).Id);
    }
}
