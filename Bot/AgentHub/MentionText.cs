using System.Text.Json;
using HandoffBot.Protocol;

namespace HandoffBot.AgentHub;

/// <summary>
/// Removes the bot's @mention from a message, using the mention entity (<c>{type: "mention", mentioned: {id},
/// text: "&lt;at&gt;Name&lt;/at&gt;"}</c>) Teams sends with it, so commands read the same with or without it.
/// </summary>
public static class MentionText
{
    public static string StripBotMention(Activity activity)
    {
        var text = activity.Text ?? string.Empty;
        foreach (var entity in activity.Entities ?? [])
        {
            if (!string.Equals(entity.Type, "mention", StringComparison.OrdinalIgnoreCase) || entity.Properties is not { } properties)
            {
                continue;
            }
            var mentionedId = properties.TryGetValue("mentioned", out var mentioned) && mentioned.ValueKind == JsonValueKind.Object
                && mentioned.TryGetProperty("id", out var id) ? id.GetString() : null;
            var mentionText = properties.TryGetValue("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (mentionText is { Length: > 0 } && (mentionedId is null || string.Equals(mentionedId, activity.Recipient?.Id, StringComparison.OrdinalIgnoreCase)))
            {
                text = text.Replace(mentionText, string.Empty, StringComparison.OrdinalIgnoreCase);
            }
        }
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A mention entity naming <paramref name="id"/>, and the text to put in the message for it.</summary>
    public static (Entity Entity, string Text) Mention(string id, string name)
    {
        var text = $"<at>{name}</at>";
        var entity = new Entity
        {
            Type = "mention",
            Properties = new Dictionary<string, JsonElement>
            {
                ["mentioned"] = JsonSerializer.SerializeToElement(new ChannelAccount { Id = id, Name = name }, ProtocolJsonContext.Default.ChannelAccount),
                ["text"] = JsonSerializer.SerializeToElement(text, ProtocolJsonContext.Default.String),
            },
        };
        return (entity, text);
    }
}
