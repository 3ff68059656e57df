using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace HandoffBot.Pipeline;

/// <summary>
/// A feature's slice of conversation state: a record with a stable key and its source-generated JSON metadata.
/// </summary>
public interface IStateSection<TSelf> where TSelf : class, IStateSection<TSelf>
{
    static abstract string Key { get; }

    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }

    static abstract TSelf Empty { get; }
}

/// <summary>
/// The conversation's state for one turn, loaded before the turn and saved after it by
/// <see cref="ConversationStateMiddleware"/>. Sections are typed; sections this build does not know are kept.
/// </summary>
public sealed class ConversationState
{
    private readonly JsonObject _document;
    private readonly Dictionary<string, object> _sections = [];
    private bool _changed;

    public ConversationState(string key, JsonObject document, long? version)
    {
        Key = key;
        _document = document;
        Version = version;
    }

    public string Key { get; }

    /// <summary>The version read at the start of the turn; null for a conversation with no state yet.</summary>
    public long? Version { get; }

    public bool HasChanges => _changed;

    public T Get<T>() where T : class, IStateSection<T>
    {
        if (_sections.TryGetValue(T.Key, out var cached))
        {
            return (T)cached;
        }
        var value = _document[T.Key] is { } node ? node.Deserialize(T.JsonTypeInfo) ?? T.Empty : T.Empty;
        _sections[T.Key] = value;
        return value;
    }

    public void Set<T>(T value) where T : class, IStateSection<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        _sections[T.Key] = value;
        _document[T.Key] = JsonSerializer.SerializeToNode(value, T.JsonTypeInfo);
        _changed = true;
    }

    public string ToJson() => _document.ToJsonString();
}
