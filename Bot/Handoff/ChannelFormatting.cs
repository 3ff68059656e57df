using System.Text;
using HandoffBot.Protocol;

namespace HandoffBot.Handoff;

/// <summary>
/// Shapes what the bot sends for the channel it goes to: SMS gets plain text with numbered menus (no cards, no
/// suggested actions) split at 1,600 characters; other channels get the activity as built.
/// </summary>
public static class ChannelFormatting
{
    public const string Sms = "sms";
    public const int SmsMaxLength = 1600;

    public static bool IsSms(string? channelId) => string.Equals(channelId, Sms, StringComparison.OrdinalIgnoreCase);

    /// <summary>A message with a menu: suggested actions (imBack) where they render, numbered text on SMS.</summary>
    public static Activity WithChoices(Activity message, IReadOnlyList<string> choices)
    {
        if (IsSms(message.ChannelId))
        {
            var menu = new StringBuilder(message.Text);
            for (var i = 0; i < choices.Count; i++)
            {
                menu.Append('\n').Append(i + 1).Append(". ").Append(choices[i]);
            }
            menu.Append("\nReply with a number.");
            return message with { Text = menu.ToString() };
        }
        return message with
        {
            SuggestedActions = new SuggestedActions
            {
                To = message.Recipient?.Id is { } to ? [to] : null,
                Actions = [.. choices.Select(c => new CardAction { Type = "imBack", Title = c, Value = System.Text.Json.JsonSerializer.SerializeToElement(c, ProtocolJsonContext.Default.String) })],
            },
        };
    }

    /// <summary>Which of <paramref name="choices"/> a reply picks: its number (1-based) or its text; -1 when none.</summary>
    public static int Choice(string? reply, IReadOnlyList<string> choices)
    {
        var text = reply?.Trim().TrimEnd('.', '!') ?? string.Empty;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= choices.Count)
        {
            return number - 1;
        }
        for (var i = 0; i < choices.Count; i++)
        {
            if (string.Equals(text, choices[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The activities to send for <paramref name="activity"/> on its channel (several when SMS text is long).</summary>
    public static IReadOnlyList<Activity> ForChannel(Activity activity)
    {
        if (!IsSms(activity.ChannelId) || !activity.IsType(ActivityTypes.Message))
        {
            return [activity];
        }
        var text = new StringBuilder(activity.Text);
        if (activity.SuggestedActions?.Actions is { Count: > 0 } actions)
        {
            for (var i = 0; i < actions.Count; i++)
            {
                text.Append('\n').Append(i + 1).Append(". ").Append(actions[i].Title);
            }
        }
        foreach (var attachment in activity.Attachments ?? [])
        {
            if (attachment.ContentUrl is { Length: > 0 } url)
            {
                text.Append('\n').Append(attachment.Name ?? "Attachment").Append(": ").Append(url);
            }
        }
        var plain = activity with { SuggestedActions = null, Attachments = null, TextFormat = "plain" };
        return [.. Split(text.ToString(), SmsMaxLength).Select(part => plain with { Text = part })];
    }

    /// <summary>Splits text into parts of at most <paramref name="max"/> characters, at white space where possible.</summary>
    public static IReadOnlyList<string> Split(string text, int max)
    {
        var parts = new List<string>();
        var rest = text.AsSpan().Trim();
        while (rest.Length > max)
        {
            var cut = rest[..max].LastIndexOfAny(' ', '\n');
            if (cut < max / 2)
            {
                cut = max;
            }
            parts.Add(rest[..cut].TrimEnd().ToString());
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0 || parts.Count == 0)
        {
            parts.Add(rest.ToString());
        }
        return parts;
    }
}
