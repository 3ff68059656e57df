using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Resources;

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
    public static JsonElement Waiting(HandoffRecord handoff, DateTimeOffset now, CardCopy text) =>
        Build(handoff, now, text, handoff.Priority is EscalationPriority.Urgent or EscalationPriority.High
            ? text.Say("hub.card.waitingWithPriority", ("priority", handoff.Priority.ToString()), ("customer", CustomerName(handoff)))
            : text.Say("hub.card.waiting", ("customer", CustomerName(handoff))), "attention", actions: true);

    /// <summary>
    /// The card after someone accepted: everyone sees who took it; Accept and Decline are gone. The accepting agent's
    /// copy may carry the co-pilot's top suggestion in an editable box with a "Send suggestion" button.
    /// </summary>
    public static JsonElement Accepted(HandoffRecord handoff, DateTimeOffset now, CardCopy text, CardSuggestion? suggestion = null) =>
        Build(handoff, now, text, text.Say("hub.card.accepted", ("agent", handoff.AgentName ?? handoff.AgentId ?? "?")), "good", actions: false, suggestion);

    /// <summary>The card once the handoff is over (cancelled, ended, unassigned).</summary>
    public static JsonElement Closed(HandoffRecord handoff, DateTimeOffset now, string why, CardCopy text) =>
        Build(handoff, now, text, why, "default", actions: false);

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

    private static JsonElement Build(HandoffRecord handoff, DateTimeOffset now, CardCopy text, string title, string color, bool actions, CardSuggestion? suggestion = null)
    {
        var packet = handoff.Packet;
        var body = new JsonArray
        {
            Text(title, size: "Medium", weight: "Bolder", color: color),
            Text(text.Say("hub.card.subtitle", ("id", ShortId(handoff.Id)), ("queue", handoff.Queue), ("duration", text.Copy.Duration(text.Locale, now - handoff.EnqueuedAt, seconds: true))), isSubtle: true),
        };
        var facts = new JsonArray
        {
            Fact(text.Say("hub.card.customer"), CustomerLine(handoff, text)),
            Fact(text.Say("hub.card.channel"), packet?.Channel ?? handoff.Customer.ChannelId ?? "?"),
            Fact(text.Say("hub.card.reason"), packet?.Reason ?? handoff.Reason),
            Fact(text.Say("hub.card.category"), packet?.Category ?? text.Say("hub.card.none")),
            Fact(text.Say("hub.card.priority"), (packet?.Priority ?? handoff.Priority).ToString()),
            Fact(text.Say("hub.card.skill"), handoff.Skill),
            Fact(text.Say("hub.card.sentiment"), Sentiment(packet, text)),
        };
        body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        if (packet is not null)
        {
            body.Add(Text(text.Say("hub.card.summary"), weight: "Bolder"));
            body.Add(Text(packet.Summary));
            body.Add(Text(text.Say("hub.card.openQuestion", ("question", packet.OpenQuestion)), isSubtle: true));
            if (packet.LastCustomerMessages.Count > 0)
            {
                body.Add(Text(text.Say("hub.card.lastMessages"), weight: "Bolder"));
                foreach (var line in packet.LastCustomerMessages)
                {
                    body.Add(Text($"› {line.Text}"));
                }
            }
            if (packet.SuggestedNextSteps.Count > 0)
            {
                body.Add(Text(text.Say("hub.card.nextSteps"), weight: "Bolder"));
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
            card["actions"] = new JsonArray { Action(text.Say("hub.card.accept"), AcceptVerb, handoff.Id, "positive"), Action(text.Say("hub.card.decline"), DeclineVerb, handoff.Id, "default") };
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

    private static string CustomerLine(HandoffRecord handoff, CardCopy text) =>
        handoff.Packet?.Profile is { } p
            ? p.LifetimeOrders is { } orders
                ? text.Say("hub.card.profileWithOrders", ("name", p.Name), ("tier", p.Tier ?? text.Say("hub.card.noTier")), ("count", orders))
                : text.Say("hub.card.profile", ("name", p.Name), ("tier", p.Tier ?? text.Say("hub.card.noTier")))
            : CustomerName(handoff);

    private static string Sentiment(HandoffPacket? packet, CardCopy text)
    {
        if (packet is null || packet.SentimentTrajectory.Count == 0)
        {
            return text.Say("hub.card.unknown");
        }
        var labels = string.Join(" → ", packet.SentimentTrajectory.TakeLast(5).Select(s => s.Label));
        return $"{labels} ({packet.SentimentTrajectory[^1].Compound.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)})";
    }
}

/// <summary>The hub's copy in the hub's language (<c>Handoff:Hub:Locale</c>), for the cards.</summary>
public readonly record struct CardCopy(ICopy Copy, string? Locale)
{
    public string Say(string key, params ReadOnlySpan<CopyArg> args) => Copy.Get(Locale, key, args);
}
