using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Handoff;
using HandoffBot.Protocol;

namespace HandoffBot.AgentHub;

/// <summary>The co-pilot's top suggestion as the hub card shows it (texts already in the hub's language).</summary>
public sealed record CardSuggestion(string Text, string Source, string Title, string SourceLine, string SendLabel);

/// <summary>
/// The Adaptive Card (schema 1.5) an agent hub shows for a handoff. Buttons are <c>Action.Execute</c> (Teams
/// Universal Actions, arriving as an <c>adaptiveCard/action</c> invoke) with an <c>Action.Submit</c> fallback for
/// hosts without Execute (arriving as a message with <c>value</c>). Written by hand: no card SDK.
/// </summary>
public static class HandoffCard
{
    public const string AcceptVerb = "accept";
    public const string DeclineVerb = "decline";

    /// <summary>The verb of the co-pilot's "Send suggestion" button (an Action.Submit with the edited text in <c>reply</c>).</summary>
    public const string SuggestionVerb = "suggestion";

    /// <summary>The id of the card's reply box, the name its text arrives under in the Submit's <c>value</c>.</summary>
    public const string ReplyInput = "reply";

    /// <summary>The waiting card: packet facts, the customer's last messages and Accept / Decline.</summary>
    public static JsonElement Waiting(HandoffRecord handoff, DateTimeOffset now) =>
        Build(handoff, now, $"{Priority(handoff)}Customer waiting: {CustomerName(handoff)}", "attention", actions: true);

    /// <summary>
    /// The card after someone accepted: everyone sees who took it; Accept and Decline are gone. The accepting agent's
    /// copy may carry the co-pilot's top suggestion in an editable box with a "Send suggestion" button.
    /// </summary>
    public static JsonElement Accepted(HandoffRecord handoff, DateTimeOffset now, CardSuggestion? suggestion = null) =>
        Build(handoff, now, $"Accepted by {handoff.AgentName}", "good", actions: false, suggestion);

    /// <summary>The card once the handoff is over (cancelled, ended, unassigned).</summary>
    public static JsonElement Closed(HandoffRecord handoff, DateTimeOffset now, string why) =>
        Build(handoff, now, why, "default", actions: false);

    public static Attachment ToAttachment(JsonElement card) => new() { ContentType = ContentTypes.AdaptiveCard, Content = card };

    /// <summary>Reads <c>{verb, handoffId}</c> from an invoke's <c>value.action</c> or a Submit's <c>value</c>.</summary>
    public static (string Verb, string? HandoffId)? ReadAction(Activity activity)
    {
        if (activity.Value is not { ValueKind: JsonValueKind.Object } value)
        {
            return null;
        }
        if (value.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.Object)
        {
            var verb = action.TryGetProperty("verb", out var v) ? v.GetString() : null;
            var data = action.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
            return verb is null ? null : (verb, HandoffIdOf(data));
        }
        var submitVerb = value.TryGetProperty("verb", out var sv) ? sv.GetString() : null;
        return submitVerb is null ? null : (submitVerb, HandoffIdOf(value));
    }

    private static string? HandoffIdOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("handoffId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;

    private static JsonElement Build(HandoffRecord handoff, DateTimeOffset now, string title, string color, bool actions, CardSuggestion? suggestion = null)
    {
        var packet = handoff.Packet;
        var body = new JsonArray
        {
            Text(title, size: "Medium", weight: "Bolder", color: color),
            Text($"Handoff {ShortId(handoff.Id)} · {handoff.Queue} queue · waiting {Wait(handoff, now)}", isSubtle: true),
        };
        var facts = new JsonArray
        {
            Fact("Customer", CustomerLine(handoff)),
            Fact("Channel", packet?.Channel ?? handoff.Customer.ChannelId ?? "?"),
            Fact("Reason", packet?.Reason ?? handoff.Reason),
            Fact("Category", packet?.Category ?? "none"),
            Fact("Priority", packet?.Priority ?? handoff.Priority.ToString(CultureInfo.InvariantCulture)),
            Fact("Skill", handoff.Skill),
            Fact("Sentiment", Sentiment(packet)),
        };
        body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        if (packet is not null)
        {
            body.Add(Text("Summary", weight: "Bolder"));
            body.Add(Text(packet.Summary));
            body.Add(Text($"Open question: \"{packet.OpenQuestion}\"", isSubtle: true));
            if (packet.LastCustomerMessages.Count > 0)
            {
                body.Add(Text("Last customer messages", weight: "Bolder"));
                foreach (var line in packet.LastCustomerMessages)
                {
                    body.Add(Text($"› {line.Text}"));
                }
            }
            if (packet.SuggestedNextSteps.Count > 0)
            {
                body.Add(Text("Suggested next steps", weight: "Bolder"));
                foreach (var step in packet.SuggestedNextSteps)
                {
                    body.Add(Text($"• {step}"));
                }
            }
        }
        if (suggestion is not null)
        {
            AddSuggestion(body, handoff.Id, suggestion);
        }
        var card = new JsonObject
        {
            ["type"] = "AdaptiveCard",
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["version"] = "1.5",
            ["body"] = body,
        };
        if (actions)
        {
            card["actions"] = new JsonArray { Action("Accept", AcceptVerb, handoff.Id, "positive"), Action("Decline", DeclineVerb, handoff.Id, "default") };
        }
        using var document = JsonDocument.Parse(card.ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>The suggestion in an editable box and a Submit that sends the box's text (<see cref="ReplyInput"/>) with its source.</summary>
    private static void AddSuggestion(JsonArray body, string handoffId, CardSuggestion suggestion)
    {
        body.Add(Text(suggestion.Title, weight: "Bolder"));
        body.Add(new JsonObject
        {
            ["type"] = "Input.Text",
            ["id"] = ReplyInput,
            ["isMultiline"] = true,
            ["maxLength"] = 4000,
            ["value"] = suggestion.Text,
            ["label"] = suggestion.Title,
        });
        body.Add(Text(suggestion.SourceLine, isSubtle: true));
        body.Add(new JsonObject
        {
            ["type"] = "ActionSet",
            ["actions"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "Action.Submit",
                    ["title"] = suggestion.SendLabel,
                    ["style"] = "positive",
                    ["data"] = new JsonObject { ["verb"] = SuggestionVerb, ["handoffId"] = handoffId, ["source"] = suggestion.Source },
                },
            },
        });
    }

    private static JsonObject Action(string title, string verb, string handoffId, string style) => new()
    {
        ["type"] = "Action.Execute",
        ["title"] = title,
        ["verb"] = verb,
        ["style"] = style,
        ["data"] = new JsonObject { ["handoffId"] = handoffId },
        ["fallback"] = new JsonObject
        {
            ["type"] = "Action.Submit",
            ["title"] = title,
            ["style"] = style,
            ["data"] = new JsonObject { ["verb"] = verb, ["handoffId"] = handoffId },
        },
    };

    private static JsonObject Text(string text, string? size = null, string? weight = null, string? color = null, bool isSubtle = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (size is not null)
        {
            block["size"] = size;
        }
        if (weight is not null)
        {
            block["weight"] = weight;
        }
        if (color is not null)
        {
            block["color"] = color;
        }
        if (isSubtle)
        {
            block["isSubtle"] = true;
        }
        return block;
    }

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    internal static string ShortId(string id) => id.Length <= 8 ? id : id[..8];

    internal static string CustomerName(HandoffRecord handoff) =>
        new[] { handoff.Packet?.Profile?.Name, handoff.Customer.User?.Name, handoff.Customer.User?.Id }.FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? "customer";

    private static string CustomerLine(HandoffRecord handoff) =>
        handoff.Packet?.Profile is { } p
            ? $"{p.Name} ({p.Tier ?? "no tier"}{(p.LifetimeOrders is { } n ? $", {n} orders" : string.Empty)})"
            : CustomerName(handoff);

    private static string Priority(HandoffRecord handoff) =>
        handoff.Packet?.Priority is "Urgent" or "High" ? $"[{handoff.Packet.Priority}] " : string.Empty;

    private static string Sentiment(HandoffPacket? packet)
    {
        if (packet is null || packet.SentimentTrajectory.Count == 0)
        {
            return "unknown";
        }
        var labels = string.Join(" → ", packet.SentimentTrajectory.TakeLast(5).Select(s => s.Label));
        return $"{labels} ({packet.SentimentTrajectory[^1].Compound.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)})";
    }

    internal static string Wait(HandoffRecord handoff, DateTimeOffset now) => Humanize(now - handoff.EnqueuedAt);

    internal static string Humanize(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1) ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span < TimeSpan.FromHours(1) ? $"{(int)span.TotalMinutes} min"
        : $"{(int)span.TotalHours} h {span.Minutes} min";
}
