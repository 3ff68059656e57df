using System.Text.Json;
using HandoffBot.Routing;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Threading;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// <see cref="IAgentDirectory"/> on the PostgreSQL <c>agents</c> table: the configured roster is written once per
/// process (under an advisory lock, so instances starting together do not interleave), configuration is the source of
/// truth for profiles, presence and its time survive restarts and are shared by every instance.
/// </summary>
internal sealed class PostgresAgentDirectory(PostgresDatabase database, IOptions<RoutingOptions> options, TimeProvider time) : IAgentDirectory, IDisposable
{
    private const string Columns = "id, name, hub_user_id, skills_json, capacity_json, hours_json, presence, presence_changed_at";
    private readonly AsyncOnce _seeding = new();

    internal sealed class Schema() : PostgresSchema("agents", """
        CREATE TABLE agents (
            id                  text PRIMARY KEY,
            name                text NOT NULL,
            hub_user_id         text NOT NULL,
            skills_json         jsonb NOT NULL,
            capacity_json       jsonb NOT NULL,
            hours_json          jsonb NULL,
            presence            integer NOT NULL,
            presence_changed_at timestamptz NOT NULL,
            updated_at          timestamptz NOT NULL
        );
        CREATE INDEX agents_hub_user ON agents (hub_user_id);
        """);

    public async Task<AgentRecord?> GetAsync(AgentId id, CancellationToken cancellationToken)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM agents WHERE id = @v", id.Value, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<AgentRecord?> FindByHubUserAsync(string hubUserId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(hubUserId))
        {
            return null;
        }
        var found = await QueryAsync($"SELECT {Columns} FROM agents WHERE hub_user_id = @v ORDER BY id LIMIT 1", hubUserId, cancellationToken);
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
        await _seeding.EnsureAsync(SeedAsync, cancellationToken);
        var now = time.GetUtcNow();
        var updated = await database.WriteAsync(async session =>
        {
            var rows = await session.ExecuteAsync("UPDATE agents SET presence = @p, presence_changed_at = @now WHERE id = @id",
                ("p", (int)presence), ("now", PostgresTime.ToDb(now)), ("id", id.Value));
            NotifyRoster(session, rows);
            return rows;
        }, cancellationToken);
        return updated == 0 ? null : await GetAsync(id, cancellationToken);
    }

    public async Task<AgentRecord?> SetCapacityAsync(AgentId id, int capacity, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        await _seeding.EnsureAsync(SeedAsync, cancellationToken);
        var now = time.GetUtcNow();
        var updated = await database.WriteAsync(async session =>
        {
            await using var update = session.Command("UPDATE agents SET capacity_json = @c, updated_at = @now WHERE id = @id")
                .WithJson("c", SqliteAgentDirectory.CapacityJson(capacity)).WithTime("now", now).With("id", id.Value);
            var rows = await update.ExecuteNonQueryAsync(cancellationToken);
            NotifyRoster(session, rows);
            return rows;
        }, cancellationToken);
        return updated == 0 ? null : await GetAsync(id, cancellationToken);
    }

    /// <summary>The routing owner (another instance, perhaps) hears of a presence or capacity change at this commit.</summary>
    private static void NotifyRoster(PostgresSession session, int rows)
    {
        if (rows > 0)
        {
            PostgresHandoffRows.NotifyChanged(session, PostgresHandoffRows.AgentsSubject);
        }
    }

    public void Dispose() => _seeding.Dispose();

    private async Task<List<AgentRecord>> QueryAsync(string sql, string? value, CancellationToken cancellationToken)
    {
        await _seeding.EnsureAsync(SeedAsync, cancellationToken);
        return await database.ReadAsync(async session =>
        {
            await using var command = session.Command(sql);
            if (value is not null)
            {
                command.With("v", value);
            }
            return await command.ListAsync(Read, cancellationToken);
        }, cancellationToken);
    }

    private static AgentRecord Read(NpgsqlDataReader reader) =>
        SqliteAgentDirectory.ToRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetNullableString(5), reader.GetInt32(6), reader.GetTime(7));

    /// <summary>Writes the configured roster: profiles from configuration, presence kept if known, agents no longer configured removed.</summary>
    private Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var configured = options.Value.Agents;
        return database.WriteAsync(async session =>
        {
            await session.LockAsync("handoffbot.agents.seed");
            await using (var delete = session.Command("DELETE FROM agents WHERE NOT (id = ANY(@ids))").With("ids", configured.Select(a => a.Id).ToArray()))
            {
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var agent in configured)
            {
                await using var upsert = session.Command("""
                    INSERT INTO agents (id, name, hub_user_id, skills_json, capacity_json, hours_json, presence, presence_changed_at, updated_at)
                    VALUES (@id, @name, @hub, @skills, @capacity, @hours, @presence, @now, @now)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, hub_user_id = excluded.hub_user_id,
                        skills_json = excluded.skills_json, capacity_json = excluded.capacity_json,
                        hours_json = excluded.hours_json, updated_at = excluded.updated_at
                    """)
                    .With("id", agent.Id).With("name", agent.Name).With("hub", agent.HubUserId)
                    .WithJson("skills", JsonSerializer.Serialize(agent.Skills, AgentDirectoryJsonContext.Default.DictionaryStringInt32))
                    .WithJson("capacity", JsonSerializer.Serialize(agent.CapacityPerChannel, AgentDirectoryJsonContext.Default.DictionaryStringInt32))
                    .WithJson("hours", agent.WorkingHours is null ? null : JsonSerializer.Serialize(agent.WorkingHours, AgentDirectoryJsonContext.Default.WorkingHoursOptions))
                    .With("presence", (int)agent.Presence)
                    .WithTime("now", now);
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
            return configured.Count;
        }, cancellationToken);
    }
}
