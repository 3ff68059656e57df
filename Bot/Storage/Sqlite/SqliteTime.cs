namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// The one timestamp representation in the SQLite database: INTEGER microseconds since the Unix epoch, UTC. Compares
/// as a number (no text formats to mix up), orders correctly in indexes, and has PostgreSQL <c>timestamptz</c>'s
/// precision, so a value survives a move between the providers unchanged.
/// </summary>
public static class SqliteTime
{
    /// <summary>The instant in microseconds, rounded down (also before 1970), so stored values order as the instants do.</summary>
    public static long ToDb(DateTimeOffset at)
    {
        var microseconds = Math.DivRem(at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TimeSpan.TicksPerMicrosecond, out var remainder);
        return remainder < 0 ? microseconds - 1 : microseconds;
    }

    public static DateTimeOffset FromDb(long microseconds) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    public static object? ToDb(DateTimeOffset? at) => at is { } value ? ToDb(value) : null;
}
