using System.Text.Json;
using System.Text.Json.Serialization;

namespace HandoffBot.Protocol;

/// <summary>
/// Source-generated System.Text.Json metadata for everything that crosses the Bot Framework wire:
/// camelCase, nulls omitted, case-insensitive reads (the Connector's casing varies).
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(Activity))]
[JsonSerializable(typeof(IReadOnlyList<Activity>))]
[JsonSerializable(typeof(List<Activity>))]
[JsonSerializable(typeof(ConversationReference))]
[JsonSerializable(typeof(ResourceResponse))]
[JsonSerializable(typeof(ExpectedReplies))]
[JsonSerializable(typeof(ConversationParameters))]
[JsonSerializable(typeof(ConversationResourceResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
