using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Threading;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Sqlite;

/// <summary>Profiles in SQLite, seeded once from the sample-customers JSON file (existing rows are kept).</summary>
internal sealed class SqliteCustomerProfileStore(SqliteDatabase database, IOptions<HandoffOptions> options) : ICustomerProfileStore, IDisposable
{
    private readonly AsyncOnce _seeding = new();

    internal sealed class Schema() : SqliteSchema("customer_profile", """
        CREATE TABLE IF NOT EXISTS customer_profile (
            channel_id TEXT NOT NULL,
            user_id    TEXT NOT NULL,
            json       TEXT NOT NULL,
            PRIMARY KEY (channel_id, user_id)
        );
        """);

    public void Dispose() => _seeding.Dispose();

    public async Task<CustomerProfile?> FindAsync(string channelId, string userId, CancellationToken cancellationToken)
    {
        await EnsureSeededAsync(cancellationToken);
        return await database.ReadAsync(session =>
            session.Command("SELECT json FROM customer_profile WHERE channel_id = $channel AND user_id = $user")
                .With("$channel", channelId)
                .With("$user", userId)
                .ExecuteScalar() is string json
                ? JsonSerializer.Deserialize(json, HandoffJsonContext.Default.CustomerProfile)
                : null, cancellationToken);
    }

    public async Task UpsertAsync(CustomerProfile profile, CancellationToken cancellationToken)
    {
        await EnsureSeededAsync(cancellationToken);
        await WriteAsync([profile], replace: true, cancellationToken);
    }

    private Task EnsureSeededAsync(CancellationToken cancellationToken) => _seeding.EnsureAsync(SeedAsync, cancellationToken);

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.Value.CustomerProfilesPath, AppContext.BaseDirectory);
        if (File.Exists(path))
        {
            await using var stream = File.OpenRead(path);
            var profiles = await JsonSerializer.DeserializeAsync(stream, HandoffJsonContext.Default.ListCustomerProfile, cancellationToken) ?? [];
            await WriteAsync(profiles, replace: false, cancellationToken);
        }
    }

    private Task<int> WriteAsync(IReadOnlyList<CustomerProfile> profiles, bool replace, CancellationToken cancellationToken)
    {
        var rows = profiles.Select(p => (p.ChannelId, p.UserId, Json: JsonSerializer.Serialize(p, HandoffJsonContext.Default.CustomerProfile))).ToList();
        return database.WriteAsync(session =>
        {
            var command = session.Command(replace
                ? "INSERT INTO customer_profile (channel_id, user_id, json) VALUES ($channel, $user, $json) ON CONFLICT(channel_id, user_id) DO UPDATE SET json = excluded.json"
                : "INSERT INTO customer_profile (channel_id, user_id, json) VALUES ($channel, $user, $json) ON CONFLICT(channel_id, user_id) DO NOTHING");
            foreach (var row in rows)
            {
                command.With("$channel", row.ChannelId).With("$user", row.UserId).With("$json", row.Json).ExecuteNonQuery();
            }
            return rows.Count;
        }, cancellationToken);
    }
}
