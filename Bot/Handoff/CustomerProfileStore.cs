using System.Text.Json;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace HandoffBot.Handoff;

/// <summary>Who the customer is, keyed by channel and the channel's user id (the embedded stand-in for a CRM).</summary>
public interface ICustomerProfileStore
{
    Task<CustomerProfile?> FindAsync(string channelId, string userId, CancellationToken cancellationToken);

    Task UpsertAsync(CustomerProfile profile, CancellationToken cancellationToken);
}

/// <summary>Profiles in SQLite, seeded once from the sample-customers JSON file (existing rows are kept).</summary>
internal sealed class SqliteCustomerProfileStore(SqliteDatabase database, IOptions<HandoffOptions> options) : ICustomerProfileStore, IDisposable
{
    private readonly SemaphoreSlim _seedLock = new(1, 1);
    private volatile bool _seeded;

    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "customer_profile";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS customer_profile (
                channel_id TEXT NOT NULL,
                user_id    TEXT NOT NULL,
                json       TEXT NOT NULL,
                PRIMARY KEY (channel_id, user_id)
            );
            """;
    }

    public void Dispose() => _seedLock.Dispose();

    public async Task<CustomerProfile?> FindAsync(string channelId, string userId, CancellationToken cancellationToken)
    {
        await EnsureSeededAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT json FROM customer_profile WHERE channel_id = $channel AND user_id = $user";
        command.Parameters.AddWithValue("$channel", channelId);
        command.Parameters.AddWithValue("$user", userId);
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize(json, HandoffJsonContext.Default.CustomerProfile)
            : null;
    }

    public async Task UpsertAsync(CustomerProfile profile, CancellationToken cancellationToken)
    {
        await EnsureSeededAsync(cancellationToken);
        await WriteAsync([profile], replace: true, cancellationToken);
    }

    private async Task EnsureSeededAsync(CancellationToken cancellationToken)
    {
        if (_seeded)
        {
            return;
        }
        await _seedLock.WaitAsync(cancellationToken);
        try
        {
            if (_seeded)
            {
                return;
            }
            var path = Path.GetFullPath(options.Value.CustomerProfilesPath, AppContext.BaseDirectory);
            if (File.Exists(path))
            {
                await using var stream = File.OpenRead(path);
                var profiles = await JsonSerializer.DeserializeAsync(stream, HandoffJsonContext.Default.ListCustomerProfile, cancellationToken) ?? [];
                await WriteAsync(profiles, replace: false, cancellationToken);
            }
            _seeded = true;
        }
        finally
        {
            _seedLock.Release();
        }
    }

    private async Task WriteAsync(IReadOnlyList<CustomerProfile> profiles, bool replace, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = replace
            ? "INSERT INTO customer_profile (channel_id, user_id, json) VALUES ($channel, $user, $json) ON CONFLICT(channel_id, user_id) DO UPDATE SET json = excluded.json"
            : "INSERT INTO customer_profile (channel_id, user_id, json) VALUES ($channel, $user, $json) ON CONFLICT(channel_id, user_id) DO NOTHING";
        var channel = command.Parameters.Add("$channel", Microsoft.Data.Sqlite.SqliteType.Text);
        var user = command.Parameters.Add("$user", Microsoft.Data.Sqlite.SqliteType.Text);
        var json = command.Parameters.Add("$json", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var profile in profiles)
        {
            channel.Value = profile.ChannelId;
            user.Value = profile.UserId;
            json.Value = JsonSerializer.Serialize(profile, HandoffJsonContext.Default.CustomerProfile);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
