namespace HandoffBot.Storage;

/// <summary>A conversation's stored state: a JSON document and the version it was read at.</summary>
public sealed record StateDocument(string Key, string Json, long Version);

/// <summary>Thrown when a write's expected version no longer matches: another turn saved first.</summary>
public sealed class StateConflictException(string key, long? expectedVersion)
    : Exception($"State '{key}' changed since version {expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(new)"} was read.")
{
    public string Key { get; } = key;
}

/// <summary>Conversation state with optimistic concurrency. Keys read like paths: <c>{channelId}/conversations/{id}</c>.</summary>
public interface IConversationStateStore
{
    Task<StateDocument?> ReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="json"/> if the stored version is still <paramref name="expectedVersion"/>
    /// (null: the key must not exist yet). Returns the new version or throws <see cref="StateConflictException"/>.
    /// </summary>
    Task<long> WriteAsync(string key, string json, long? expectedVersion, CancellationToken cancellationToken);
}
