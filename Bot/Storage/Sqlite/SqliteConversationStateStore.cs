namespace HandoffBot.Storage.Sqlite;

internal sealed class SqliteConversationStateStore(SqliteDatabase database, TimeProvider time) : IConversationStateStore
{
    internal sealed class Schema() : SqliteSchema("conversation_state", """
        CREATE TABLE IF NOT EXISTS conversation_state (
            key        TEXT PRIMARY KEY,
            json       TEXT NOT NULL,
            version    INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        """);

    public Task<StateDocument?> ReadAsync(string key, CancellationToken cancellationToken) =>
        database.ReadAsync(session =>
        {
            using var reader = session.Command("SELECT json, version FROM conversation_state WHERE key = $key").With("$key", key).ExecuteReader();
            return reader.Read() ? new StateDocument(key, reader.GetString(0), reader.GetInt64(1)) : null;
        }, cancellationToken);

    public Task<long> WriteAsync(string key, string json, long? expectedVersion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return database.WriteAsync(session => Write(session, key, json, expectedVersion, now), cancellationToken);
    }

    /// <summary>The versioned write, for use inside a larger write (a turn's commit).</summary>
    internal static long Write(SqliteSession session, string key, string json, long? expectedVersion, DateTimeOffset now)
    {
        var command = expectedVersion is null
            ? session.Command("INSERT INTO conversation_state (key, json, version, updated_at) VALUES ($key, $json, 1, $now) ON CONFLICT(key) DO NOTHING")
            : session.Command("UPDATE conversation_state SET json = $json, version = version + 1, updated_at = $now WHERE key = $key AND version = $version")
                .With("$version", expectedVersion.Value);
        var rows = command
            .With("$key", key)
            .With("$json", json)
            .With("$now", SqliteTime.ToDb(now))
            .ExecuteNonQuery();
        return rows == 1 ? (expectedVersion ?? 0) + 1 : throw new StateConflictException(key, expectedVersion);
    }
}
