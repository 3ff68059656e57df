using System.Text.Json;
using HandoffBot.AgentConsole;
using HandoffBot.Copilot;
using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Resources;
using Microsoft.Extensions.Options;

namespace HandoffBot.AgentHub;

/// <summary>
/// The co-pilot in the hub: the accepting agent's card offers the top suggestion (local retrieval: a card invoke
/// must answer quickly) in an editable box; its "Send suggestion" button (an Action.Submit) sends the box's text as
/// the agent's reply through <see cref="AgentCommands"/> and records <c>copilot.used</c> with the source in the same commit.
/// </summary>
public sealed class HubCopilot(LocalCopilot local, CopilotService copilot, AgentCommands commands, ICopy copy, IOptions<HandoffOptions> options)
{
    /// <summary>The top suggestion for <paramref name="handoff"/>'s card, or null when there is none.</summary>
    public async Task<CardSuggestion?> TopAsync(HandoffRecord handoff, CancellationToken cancellationToken)
    {
        var context = await copilot.ContextAsync(handoff, cancellationToken);
        if (await local.SuggestAsync(context, 1, cancellationToken) is not [var top])
        {
            return null;
        }
        var locale = options.Value.Hub.Locale;
        return new CardSuggestion(top.Text, top.Source.Ref, Say(locale, "copilot.card.title"), Say(locale, "copilot.card.source", ("source", top.Source.Title)), Say(locale, "copilot.card.send"));
    }

    /// <summary>
    /// The card's "Send suggestion": the (edited) text of the reply box goes to the customer of
    /// <paramref name="handoffId"/> if <paramref name="agent"/> handles it. Returns what to tell the agent.
    /// </summary>
    public async Task<string> SendAsync(ActingAgent agent, string handoffId, Activity submit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submit);
        var locale = options.Value.Hub.Locale;
        var value = submit.Value is { ValueKind: JsonValueKind.Object } v ? v : default;
        var text = String(value, HandoffCard.ReplyInput)?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > ConsoleEndpoints.MaxTextLength)
        {
            return Say(locale, "copilot.card.noText");
        }
        var source = String(value, "source");
        (string, string)? used = source is not null && copilot.IsKnownSource(source) ? (CopilotActions.Used, source) : null;
        var sent = await commands.ReplyAsync(agent, handoffId, "card-" + (submit.Id ?? Guid.NewGuid().ToString("N")), text, cancellationToken, used);
        if (sent.Value is not { } handoff)
        {
            return sent.Error!.Message;
        }
        return Say(locale, "copilot.card.sent", ("customer", HandoffCard.CustomerName(handoff)));
    }

    private static string? String(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String ? property.GetString() : null;

    private string Say(string locale, string key, params ReadOnlySpan<CopyArg> args) => copy.Get(locale, key, args);
}
