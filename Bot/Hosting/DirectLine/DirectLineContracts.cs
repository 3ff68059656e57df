using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Protocol;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>tokens/generate and tokens/refresh: <c>{conversationId, token, expires_in}</c>.</summary>
public sealed record DirectLineToken(
    string ConversationId,
    string Token,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>conversations (start and reconnect): the token plus where to open the stream.</summary>
public sealed record DirectLineConversation(
    string ConversationId,
    string Token,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    string? StreamUrl);

/// <summary>What GET activities returns and what each stream message carries.</summary>
public sealed record ActivitySet(IReadOnlyList<Activity> Activities, string? Watermark);

/// <summary>The page's token: a Direct Line token plus the user id bound into it and whether the conversation exists.</summary>
public sealed record PageToken(
    string ConversationId,
    string Token,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    string UserId,
    bool Existing);

/// <summary>Optional body of tokens/generate and conversations: <c>{"user":{"id","name"}}</c>.</summary>
public sealed record TokenParameters(ChannelAccount? User);

/// <summary>Optional body of the page's token endpoint: the token the page held before (to resume its conversation).</summary>
public sealed record PageTokenRequest(string? Token);

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(DirectLineToken))]
[JsonSerializable(typeof(DirectLineConversation))]
[JsonSerializable(typeof(ActivitySet))]
[JsonSerializable(typeof(PageToken))]
[JsonSerializable(typeof(TokenParameters))]
[JsonSerializable(typeof(PageTokenRequest))]
[JsonSerializable(typeof(ResourceResponse))]
internal sealed partial class DirectLineJsonContext : JsonSerializerContext;
