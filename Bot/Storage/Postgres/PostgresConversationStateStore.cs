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
        return database.WriteAsync(session => Task.FromResult(Write(session, key, json, expectedVersion, now)), cancellationToken);
    }

    /// <summary>
    /// The versioned write, for use inside a larger transaction (a turn's commit), deferred to the transaction's next
    /// round trip: a version that moved on throws <see cref="StateConflictException"/> there and nothing is kept.
    /// Returns the version the state will have.
    /// </summary>
    internal static long Write(PostgresSession session, string key, string json, long? expectedVersion, DateTimeOffset now)
    {
        var conflict = (int rows) =>
        {
            if (rows != 1)
            {
                throw new StateConflictException(key, expectedVersion);
            }
        };
        var command = expectedVersion is null
            ? session.Defer("INSERT INTO conversation_state (key, json, version, updated_at) VALUES (@key, @json, 1, @now) ON CONFLICT (key) DO NOTHING", conflict)
            : session.Defer("UPDATE conversation_state SET json = @json, version = version + 1, updated_at = @now WHERE key = @key AND version = @version", conflict)
                .With("version", expectedVersion.Value);
        command.With("key", key).WithJson("json", json, NpgsqlDbType.Json).WithTime("now", now);
        return (expectedVersion ?? 0) + 1;
    }
}
