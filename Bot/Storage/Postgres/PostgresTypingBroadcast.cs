using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Typing on PostgreSQL: one NOTIFY, stored nowhere, on the channel the listener already hears for its scope (handoff
/// typing on <see cref="PostgresHandoffRows.ChangeChannel"/>, Direct Line typing on
/// <see cref="PostgresDirectLineStore.ChangeChannel"/>, plus the schema). Payload
/// <c>"t {scope h|d} {role} {subject id} {sender id}\n{application_name}"</c> (the sender instance last, so it skips
/// its own; a change payload never starts with <c>"t "</c>). Ids only, far below the 8,000-byte limit: a sender id
/// longer than <see cref="MaxFromIdLength"/> characters is not sent (the receiver then shows the typing as from the role).
/// </summary>
internal sealed partial class PostgresTypingBroadcast(PostgresDatabase database, ILogger<PostgresTypingBroadcast> logger) : ITypingBroadcast
{
    internal const int MaxFromIdLength = 256;
    private const string Prefix = "t ";

    public async Task PublishAsync(TypingSignal signal, CancellationToken cancellationToken)
    {
        var channel = signal.Scope == TypingScope.Handoff ? PostgresHandoffRows.ChangeChannel : PostgresDirectLineStore.ChangeChannel;
        var fromId = signal.FromId is { Length: <= MaxFromIdLength } id ? id : string.Empty;
        var head = $"{Prefix}{(signal.Scope == TypingScope.Handoff ? 'h' : 'd')} {signal.FromRole} {signal.SubjectId} {fromId}";
        try
        {
            await database.WriteAsync(session => session.ExecuteAsync(
                $"SELECT pg_notify('{channel}' || current_schema(), @head || chr(10) || current_setting('application_name'))", ("head", head)), cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogTypingNotSent(logger, exception, signal.SubjectId); // typing is a courtesy: never retried, never fatal
        }
    }

    /// <summary>Reads a typing payload; false when <paramref name="payload"/> is not one (a change) or is malformed.</summary>
    internal static bool TryParse(string payload, out TypingSignal signal, out string sender)
    {
        signal = null!;
        sender = string.Empty;
        var line = payload.IndexOf('\n', StringComparison.Ordinal);
        if (!payload.StartsWith(Prefix, StringComparison.Ordinal) || line < 0)
        {
            return false;
        }
        var head = payload[Prefix.Length..line].Split(' ', 4);
        if (head.Length != 4 || head[0] is not ("h" or "d") || head[1].Length == 0 || head[2].Length == 0)
        {
            return false;
        }
        signal = new TypingSignal(head[0] == "h" ? TypingScope.Handoff : TypingScope.DirectLine, head[2], head[1], head[3].Length == 0 ? null : head[3]);
        sender = payload[(line + 1)..];
        return true;
    }

    [LoggerMessage(EventId = 6030, Level = LogLevel.Debug, Message = "Could not tell the other instances about typing in {SubjectId}")]
    private static partial void LogTypingNotSent(ILogger logger, Exception exception, string subjectId);
}
