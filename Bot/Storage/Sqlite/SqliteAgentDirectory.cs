using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Routing;
using HandoffBot.Threading;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// <see cref="IAgentDirectory"/> on the SQLite <c>agents</c> table. The configured roster (<c>Routing:Agents</c>) is
/// written once per process before the first use: configuration is the source of truth for profiles (agents no
/// longer configured are removed), presence and its time survive restarts. Timestamps are <see cref="SqliteTime"/>.
/// </summary>
internal sealed class SqliteAgentDirectory(SqliteDatabase database, IOptions<RoutingOptions> options, TimeProvider time) : IAgentDirectory, IDisposable
{
    private const string Columns = "id, name, hub_user_id, skills_json, capacity_json, hours_json, presence, presence_changed_at";
    private readonly AsyncOnce _seeding = new();

    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "agents";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS agents (
                id                  TEXT PRIMARY KEY,
                name                TEXT NOT NULL,
                hub_user_id         TEXT NOT NULL,
                skills_json         TEXT NOT NULL,
                capacity_json       TEXT NOT NULL,
                hours_json          TEXT NULL,
                presence            INTEGER NOT NULL,
                presence_changed_at INTEGER NOT NULL,
                updated_at          INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS agents_hub_user ON agents (hub_user_id);
            """];
    }

    public async Task<AgentRecord?> GetAsync(AgentId id, CancellationToken cancellationToken)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM agents WHERE id = $v", id.Value, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<AgentRecord?> FindByHubUserAsync(string hubUserId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(hubUserId))
        {
            return null;
        }
        var found = await QueryAsync($"SELECT {Columns} FROM agents WHERE hub_user_id = $v ORDER BY id LIMIT 1", hubUserId, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<AgentRecord>> ListAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {Columns} FROM agents ORDER BY id", null, cancellationToken);

    public async Task<AgentRecord?> SetPresenceAsync(AgentId id, AgentPresence presence, CancellationToken cancellationToken)
    {
        if (!Enum.IsDefined(presence))
        {
            throw new ArgumentOutOfRangeException(nameof(presence), presence, "Unknown presence.");
        }
        await EnsureSeededAsync(cancellationToken);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE agents SET presence = $p, presence_changed_at = $now WHERE id = $id";
            command.Parameters.AddWithValue("$p", (int)presence);
            command.Parameters.AddWithValue("$now", SqliteTime.ToDb(time.GetUtcNow()));
            command.Parameters.AddWithValue("$id", id.Value);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }
        return await GetAsync(id, cancellationToken);
    }

    public async Task<AgentRecord?> SetCapacityAsync(AgentId id, int capacity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        await EnsureSeededAsync(cancellationToken);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE agents SET capacity_json = $c, updated_at = $now WHERE id = $id";
            command.Parameters.AddWithValue("$c", CapacityJson(capacity));
            command.Parameters.AddWithValue("$now", SqliteTime.ToDb(time.GetUtcNow()));
            command.Parameters.AddWithValue("$id", id.Value);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>The capacity column for one value on every channel (both providers).</summary>
    internal static string CapacityJson(int capacity) =>
        JsonSerializer.Serialize(new Dictionary<string, int> { ["*"] = capacity }, AgentDirectoryJsonContext.Default.DictionaryStringInt32);

    public void Dispose() => _seeding.Dispose();

    private async Task<List<AgentRecord>> QueryAsync(string sql, string? value, CancellationToken cancellationToken)
    {
        await EnsureSeededAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (value is not null)
        {
            command.Parameters.AddWithValue("$v", value);
        }
        var records = new List<AgentRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(reader));
        }
        return records;
    }

    private static AgentRecord Read(SqliteDataReader reader) =>
        ToRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6), SqliteTime.FromDb(reader.GetInt64(7)));

    /// <summary>An agent from the columns of an <c>agents</c> row (both providers keep the same columns).</summary>
    internal static AgentRecord ToRecord(string id, string name, string hubUserId, string skillsJson, string capacityJson, string? hoursJson, int presence, DateTimeOffset presenceChangedAt)
    {
        var skills = JsonSerializer.Deserialize(skillsJson, AgentDirectoryJsonContext.Default.DictionaryStringInt32) ?? [];
        var capacity = JsonSerializer.Deserialize(capacityJson, AgentDirectoryJsonContext.Default.DictionaryStringInt32) ?? [];
        var hours = hoursJson is null ? null : JsonSerializer.Deserialize(hoursJson, AgentDirectoryJsonContext.Default.WorkingHoursOptions);
        return new AgentRecord(
            new AgentId(id),
            name,
            hubUserId,
            [.. skills.Select(kv => new AgentSkill(kv.Key, kv.Value))],
            new Dictionary<string, int>(capacity, StringComparer.OrdinalIgnoreCase),
            hours is null ? null : new WorkingHours(hours.TimeZone, hours.Start, hours.End, [.. hours.Days]),
            (AgentPresence)presence,
            presenceChangedAt);
    }

    /// <summary>Writes the configured roster once per process: profiles from configuration, presence kept if known.</summary>
    private Task EnsureSeededAsync(CancellationToken cancellationToken) => _seeding.EnsureAsync(SeedAsync, cancellationToken);

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = SqliteTime.ToDb(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var configured = options.Value.Agents;
        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            var names = new List<string>();
            for (var i = 0; i < configured.Count; i++)
            {
                names.Add($"$id{i}");
                delete.Parameters.AddWithValue($"$id{i}", configured[i].Id);
            }
            delete.CommandText = names.Count == 0 ? "DELETE FROM agents" : $"DELETE FROM agents WHERE id NOT IN ({string.Join(", ", names)})";
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var agent in configured)
        {
            await using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO agents (id, name, hub_user_id, skills_json, capacity_json, hours_json, presence, presence_changed_at, updated_at)
                VALUES ($id, $name, $hub, $skills, $capacity, $hours, $presence, $now, $now)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, hub_user_id = excluded.hub_user_id,
                    skills_json = excluded.skills_json, capacity_json = excluded.capacity_json,
                    hours_json = excluded.hours_json, updated_at = excluded.updated_at
                """;
            upsert.Parameters.AddWithValue("$id", agent.Id);
            upsert.Parameters.AddWithValue("$name", agent.Name);
            upsert.Parameters.AddWithValue("$hub", agent.HubUserId);
            upsert.Parameters.AddWithValue("$skills", JsonSerializer.Serialize(agent.Skills, AgentDirectoryJsonContext.Default.DictionaryStringInt32));
            upsert.Parameters.AddWithValue("$capacity", JsonSerializer.Serialize(agent.CapacityPerChannel, AgentDirectoryJsonContext.Default.DictionaryStringInt32));
            upsert.Parameters.AddWithValue("$hours", agent.WorkingHours is null ? DBNull.Value : JsonSerializer.Serialize(agent.WorkingHours, AgentDirectoryJsonContext.Default.WorkingHoursOptions));
            upsert.Parameters.AddWithValue("$presence", (int)agent.Presence);
            upsert.Parameters.AddWithValue("$now", now);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>The JSON columns of the <c>agents</c> table (skills, capacity per channel, working hours).</summary>
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(WorkingHoursOptions))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class AgentDirectoryJsonContext : JsonSerializerContext;
