using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Threading;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Postgres;

/// <summary>Profiles in PostgreSQL (jsonb by channel and user), seeded once from the sample-customers JSON file (existing rows are kept).</summary>
internal sealed class PostgresCustomerProfileStore(PostgresDatabase database, IOptions<HandoffOptions> options) : ICustomerProfileStore, IDisposable
{
    private readonly AsyncOnce _seeding = new();

    internal sealed class Schema() : PostgresSchema("customer_profile", """
        CREATE TABLE customer_profile (
            channel_id text NOT NULL,
            user_id    text NOT NULL,
            json       jsonb NOT NULL,
            PRIMARY KEY (channel_id, user_id)
        );
        """);

    public void Dispose() => _seeding.Dispose();

    public async Task<CustomerProfile?> FindAsync(string channelId, string userId, CancellationToken cancellationToken)
    {
        await _seeding.EnsureAsync(SeedAsync, cancellationToken);
        return await database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT json FROM customer_profile WHERE channel_id = @channel AND user_id = @user")
                .With("channel", channelId).With("user", userId);
            return await command.ExecuteScalarAsync(cancellationToken) is string json
                ? JsonSerializer.Deserialize(json, HandoffJsonContext.Default.CustomerProfile)
                : null;
        }, cancellationToken);
    }

    public async Task UpsertAsync(CustomerProfile profile, CancellationToken cancellationToken)
    {
        await _seeding.EnsureAsync(SeedAsync, cancellationToken);
        await WriteAsync([profile], replace: true, cancellationToken);
    }

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
        return database.WriteAsync(async session =>
        {
            var sql = replace
                ? "INSERT INTO customer_profile (channel_id, user_id, json) VALUES (@channel, @user, @json) ON CONFLICT (channel_id, user_id) DO UPDATE SET json = excluded.json"
                : "INSERT INTO customer_profile (channel_id, user_id, json) VALUES (@channel, @user, @json) ON CONFLICT (channel_id, user_id) DO NOTHING";
            foreach (var row in rows)
            {
                await using var command = session.Command(sql).With("channel", row.ChannelId).With("user", row.UserId).WithJson("json", row.Json);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return rows.Count;
        }, cancellationToken);
    }
}
