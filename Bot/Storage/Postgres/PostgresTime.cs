namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Timestamps for <c>timestamptz</c> columns. PostgreSQL keeps microseconds and rounds the rest to the nearest; the
/// provider rounds down first (as <see cref="Sqlite.SqliteTime"/> does), so both providers store the same instant.
/// Values are sent and read as UTC.
/// </summary>
public static class PostgresTime
{
    public static DateTimeOffset ToDb(DateTimeOffset at) =>
        Sqlite.SqliteTime.FromDb(Sqlite.SqliteTime.ToDb(at));

    public static object ToDb(DateTimeOffset? at) => at is { } value ? ToDb(value) : DBNull.Value;
}
