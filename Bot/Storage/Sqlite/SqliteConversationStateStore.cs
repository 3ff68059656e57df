namespace HandoffBot.Storage.Sqlite;

internal sealed class SqliteConversationStateStore(SqliteDatabase database, TimeProvider time) : IConversationStateStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "conversation_state";

        public string CreateSql => """
            CREATE TABLE IF NOT EXISTS conversation_state (
                key        TEXT PRIMARY KEY,
                json       TEXT NOT NULL,
                version    INTEGER NOT NULL,
                updated_at TEXT NOT NULL
            );
            """;
    }

    public async Task<StateDocument?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT json, version FROM conversation_state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StateDocument(key, reader.GetString(0), reader.GetInt64(1))
            : null;
    }

    public async Task<long> WriteAsync(string key, string json, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = expectedVersion is null
            ? "INSERT INTO conversation_state (key, json, version, updated_at) VALUES ($key, $json, 1, $now) ON CONFLICT(key) DO NOTHING"
            : "UPDATE conversation_state SET json = $json, version = version + 1, updated_at = $now WHERE key = $key AND version = $version";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$json", json);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        if (expectedVersion is { } version)
        {
            command.Parameters.AddWithValue("$version", version);
        }
        var rows = await command.ExecuteNonQueryAsync(cancellationToken);
        return rows == 1 ? (expectedVersion ?? 0) + 1 : throw new StateConflictException(key, expectedVersion);
    }
}
