using System.Buffers;
using System.Text;
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
/// Each section stays raw JSON until it is read and is written back verbatim unless it was set.
/// </summary>
public sealed class ConversationState
{
    private readonly byte[] _json;
    private readonly List<string> _order = [];
    private readonly Dictionary<string, Range> _raw = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _sections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (object Value, JsonTypeInfo TypeInfo)> _changes = new(StringComparer.Ordinal);

    /// <summary>State from its stored JSON object (null or empty: a conversation with no state yet).</summary>
    public ConversationState(string key, string? json, long? version)
    {
        Key = key;
        Version = version;
        _json = string.IsNullOrEmpty(json) ? [] : Encoding.UTF8.GetBytes(json);
        Index();
    }

    public ConversationState(string key, JsonObject document, long? version)
        : this(key, (document ?? throw new ArgumentNullException(nameof(document))).ToJsonString(), version)
    {
    }

    public string Key { get; }

    /// <summary>The version read at the start of the turn; null for a conversation with no state yet.</summary>
    public long? Version { get; }

    public bool HasChanges => _changes.Count > 0;

    public T Get<T>() where T : class, IStateSection<T>
    {
        if (_sections.TryGetValue(T.Key, out var cached))
        {
            return (T)cached;
        }
        var value = _raw.TryGetValue(T.Key, out var range) ? JsonSerializer.Deserialize(_json.AsSpan(range), T.JsonTypeInfo) ?? T.Empty : T.Empty;
        _sections[T.Key] = value;
        return value;
    }

    public void Set<T>(T value) where T : class, IStateSection<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_raw.ContainsKey(T.Key) && !_changes.ContainsKey(T.Key))
        {
            _order.Add(T.Key);
        }
        _sections[T.Key] = value;
        _changes[T.Key] = (value, T.JsonTypeInfo);
    }

    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(_json.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var name in _order)
            {
                writer.WritePropertyName(name);
                if (_changes.TryGetValue(name, out var change))
                {
                    JsonSerializer.Serialize(writer, change.Value, change.TypeInfo);
                }
                else
                {
                    writer.WriteRawValue(_json.AsSpan(_raw[name]), skipInputValidation: true);
                }
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Finds each top-level section's raw JSON; anything but an object counts as no state.</summary>
    private void Index()
    {
        if (_json.Length == 0)
        {
            return;
        }
        var reader = new Utf8JsonReader(_json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (!_raw.ContainsKey(name))
            {
                _order.Add(name);
            }
            _raw[name] = new Range(start, (int)reader.BytesConsumed);
        }
    }
}
