namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// The one timestamp representation in the SQLite database: INTEGER microseconds since the Unix epoch, UTC. Compares
/// as a number (no text formats to mix up), orders correctly in indexes, and has PostgreSQL <c>timestamptz</c>'s
/// precision, so a value survives a move between the providers unchanged.
/// </summary>
public static class SqliteTime
{
    public static long ToDb(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset FromDb(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    public static object? ToDb(DateTimeOffset? at) => at is { } value ? ToDb(value) : null;
}
