using NpgsqlTypes;

namespace HandoffBot.Storage.Postgres;

/// <summary>Conversation state in PostgreSQL: a version-checked UPDATE, or an INSERT that finds the key taken (0 rows: a conflict).</summary>
internal sealed class PostgresConversationStateStore(PostgresDatabase database, TimeProvider time) : IConversationStateStore
{
    // json, not jsonb: the document is read back exactly as it was written (jsonb would reformat it).
    internal sealed class Schema() : PostgresSchema("conversation_state", """
        CREATE TABLE conversation_state (
            key        text PRIMARY KEY,
            json       json NOT NULL,
            version    bigint NOT NULL,
            updated_at timestamptz NOT NULL
        );
        """);

    public Task<StateDocument?> ReadAsync(string key, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT json, version FROM conversation_state WHERE key = @key").With("key", key);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? new StateDocument(key, reader.GetString(0), reader.GetInt64(1)) : null;
        }, cancellationToken);

    public Task<long> WriteAsync(string key, string json, long? expectedVersion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(session => WriteAsync(session, key, json, expectedVersion, now), cancellationToken);
    }

    /// <summary>The versioned write, for use inside a larger transaction (a turn's commit).</summary>
    internal static async Task<long> WriteAsync(PostgresSession session, string key, string json, long? expectedVersion, DateTimeOffset now)
    {
        await using var command = expectedVersion is null
            ? session.Command("INSERT INTO conversation_state (key, json, version, updated_at) VALUES (@key, @json, 1, @now) ON CONFLICT (key) DO NOTHING")
            : session.Command("UPDATE conversation_state SET json = @json, version = version + 1, updated_at = @now WHERE key = @key AND version = @version")
                .With("version", expectedVersion.Value);
        var rows = await command.With("key", key).WithJson("json", json, NpgsqlDbType.Json).WithTime("now", now).ExecuteNonQueryAsync(session.CancellationToken);
        return rows == 1 ? (expectedVersion ?? 0) + 1 : throw new StateConflictException(key, expectedVersion);
    }
}
