using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Threading;
using Microsoft.Extensions.Options;

namespace HandoffBot.Routing;

/// <summary>An agent on the roster (from <c>Routing:Agents</c>) with their persisted presence.</summary>
public sealed record AgentRecord(
    AgentId Id,
    string Name,
    string HubUserId,
    IReadOnlyList<AgentSkill> Skills,
    IReadOnlyDictionary<string, int> CapacityPerChannel,
    WorkingHours? Hours,
    AgentPresence Presence,
    DateTimeOffset PresenceChangedAt)
{
    /// <summary>The agent as the routing engine takes them (<paramref name="untrackedActive"/>: see <see cref="IRoutingEngine.UpsertAgent"/>).</summary>
    public RoutableAgent ToRoutable(int untrackedActive = 0, DateTimeOffset lastAssignedAt = default) =>
        new(Id, Name, Skills, CapacityPerChannel, Presence, Hours, untrackedActive, lastAssignedAt);
}

/// <summary>
/// The agent roster: seeded from configuration into the <c>agents</c> table (configuration is the source of truth
/// for profiles; presence changes are kept across restarts). The handoff coordinator loads the routing engine from it.
/// </summary>
public interface IAgentDirectory
{
    Task<AgentRecord?> GetAsync(AgentId id, CancellationToken cancellationToken);

    /// <summary>The agent whose hub user id (Teams AAD object id, console user) is <paramref name="hubUserId"/>.</summary>
    Task<AgentRecord?> FindByHubUserAsync(string hubUserId, CancellationToken cancellationToken);

    /// <summary>Persists a presence change; null when the agent is unknown.</summary>
    Task<AgentRecord?> SetPresenceAsync(AgentId id, AgentPresence presence, CancellationToken cancellationToken);

    Task<IReadOnlyList<AgentRecord>> ListAsync(CancellationToken cancellationToken);
}

internal sealed class SqliteAgentDirectory(SqliteDatabase database, IOptions<RoutingOptions> options, TimeProvider time) : IAgentDirectory, IDisposable
{
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
                presence_changed_at TEXT NOT NULL,
                updated_at          TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS agents_hub_user ON agents (hub_user_id);
            """];
    }

    private const string Columns = "id, name, hub_user_id, skills_json, capacity_json, hours_json, presence, presence_changed_at";

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
            command.Parameters.AddWithValue("$now", Timestamp(time.GetUtcNow()));
            command.Parameters.AddWithValue("$id", id.Value);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }
        return await GetAsync(id, cancellationToken);
    }

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
            var skills = JsonSerializer.Deserialize(reader.GetString(3), RoutingJsonContext.Default.DictionaryStringInt32) ?? [];
            var capacity = JsonSerializer.Deserialize(reader.GetString(4), RoutingJsonContext.Default.DictionaryStringInt32) ?? [];
            var hours = reader.IsDBNull(5) ? null : JsonSerializer.Deserialize(reader.GetString(5), RoutingJsonContext.Default.WorkingHoursOptions);
            records.Add(new AgentRecord(
                new AgentId(reader.GetString(0)),
                reader.GetString(1),
                reader.GetString(2),
                [.. skills.Select(kv => new AgentSkill(kv.Key, kv.Value))],
                new Dictionary<string, int>(capacity, StringComparer.OrdinalIgnoreCase),
                hours is null ? null : new WorkingHours(hours.TimeZone, hours.Start, hours.End, [.. hours.Days]),
                (AgentPresence)reader.GetInt32(6),
                DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
        }
        return records;
    }

    /// <summary>Writes the configured roster once per process: profiles from configuration, presence kept if known.</summary>
    private Task EnsureSeededAsync(CancellationToken cancellationToken) => _seeding.EnsureAsync(SeedAsync, cancellationToken);

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = Timestamp(time.GetUtcNow());
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
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
            upsert.Parameters.AddWithValue("$skills", JsonSerializer.Serialize(agent.Skills, RoutingJsonContext.Default.DictionaryStringInt32));
            upsert.Parameters.AddWithValue("$capacity", JsonSerializer.Serialize(agent.CapacityPerChannel, RoutingJsonContext.Default.DictionaryStringInt32));
            upsert.Parameters.AddWithValue("$hours", agent.WorkingHours is null ? DBNull.Value : JsonSerializer.Serialize(agent.WorkingHours, RoutingJsonContext.Default.WorkingHoursOptions));
            upsert.Parameters.AddWithValue("$presence", (int)agent.Presence);
            upsert.Parameters.AddWithValue("$now", now);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public void Dispose() => _seeding.Dispose();

    private static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}

[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(WorkingHoursOptions))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class RoutingJsonContext : JsonSerializerContext;
