using System.Text.Json;
using HandoffBot.AgentHub;
using HandoffBot.Handoff;
using HandoffBot.Protocol;
using HandoffBot.Tests.Handoff;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Deployment;

/// <summary>
/// Every Adaptive Card the bot sends to Teams, parsed by the renderer's own parser (npm adaptivecards 3.0.6, offline)
/// for card version 1.5: no parse or validation event (eng/teams/check-cards.mjs).
/// </summary>
public sealed class AdaptiveCardParserTests
{
    private static async Task<(int ExitCode, string Output)> CheckAsync(IReadOnlyDictionary<string, JsonElement> cards)
    {
        var folder = Path.Combine(LiveBot.RepositoryRoot(), "eng", "teams");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "adaptivecards")),
            "adaptivecards is not installed: run eng/prerequisites.sh (npm ci in eng/teams).");
        var work = Directory.CreateTempSubdirectory("cards-");
        try
        {
            var files = new List<string>();
            foreach (var (name, card) in cards)
            {
                var file = Path.Combine(work.FullName, name + ".json");
                await File.WriteAllTextAsync(file, card.GetRawText());
                files.Add(file);
            }
            return await NodeScript.RunAsync(folder, "check-cards.mjs", files);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheHubCardsOfARealHandoffPassTheAdaptiveCardsParserForTeams()
    {
        await using var bot = await HandoffHarness.StartAsync("msteams");
        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 5512 and I want a refund"));
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true, "the offer in the thread");
        await bot.TurnsCommittedAsync();
        var handoff = await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(HandoffCoordinator.CustomerKey(bot.CustomerMessage("x")), CancellationToken.None);
        Assert.NotNull(handoff?.Packet);
        var now = bot.Factory.Time.GetUtcNow().AddMinutes(3);
        var accepted = handoff with { AgentName = "Alex", AgentId = "alex", Status = HandoffStatus.WithAgent, AcceptedAt = now };

        var text = bot.Service<HubNotifier>().Cards;
        var cards = new Dictionary<string, JsonElement>
        {
            ["waiting"] = HandoffCard.Waiting(handoff, now, text),
            ["waiting-without-packet"] = HandoffCard.Waiting(handoff with { Packet = null }, now, text),
            ["accepted"] = HandoffCard.Accepted(accepted, now, text),
            ["accepted-with-suggestion"] = HandoffCard.Accepted(accepted, now, text, new CardSuggestion("I've refunded the duplicate payment.", "playbook:billing_dispute/refund-duplicate", "Suggested reply", "Source: Billing dispute", "Send suggestion")),
            ["closed"] = HandoffCard.Closed(accepted, now, "Ended by Alex", text),
        };
        // And the cards the bot really sent to the hub's channel in this handoff.
        var sent = bot.Hub.Requests.Where(r => r.Body.Length > 0).SelectMany(r => CardsIn(r.Json)).ToList();
        Assert.NotEmpty(sent);
        for (var i = 0; i < sent.Count; i++)
        {
            cards[$"sent-{i}"] = sent[i];
        }

        var (exitCode, output) = await CheckAsync(cards);
        Assert.True(exitCode == 0, output);
        Assert.All(cards.Keys, name => Assert.Contains($"{name}.json: ok", output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheParserCheckRefusesACardTeamsCouldNotRender()
    {
        using var newer = JsonDocument.Parse("""{"type":"AdaptiveCard","version":"1.6","body":[{"type":"TextBlock","text":"hi"}]}""");
        using var unknown = JsonDocument.Parse("""{"type":"AdaptiveCard","version":"1.5","body":[{"type":"Carousel3D"}]}""");
        var (exitCode, output) = await CheckAsync(new Dictionary<string, JsonElement> { ["newer"] = newer.RootElement, ["unknown"] = unknown.RootElement });
        Assert.Equal(1, exitCode);
        Assert.Contains("newer.json: version 1.6", output, StringComparison.Ordinal);
        Assert.Contains("unknown.json: parse: Unknown element type \"Carousel3D\"", output, StringComparison.Ordinal);
    }

    /// <summary>Adaptive Card contents in a Connector request body: an activity's attachments, or a new conversation's activity.</summary>
    private static IEnumerable<JsonElement> CardsIn(JsonElement body)
    {
        var activity = body.TryGetProperty("activity", out var inner) ? inner : body;
        if (!activity.TryGetProperty("attachments", out var attachments) || attachments.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        foreach (var attachment in attachments.EnumerateArray())
        {
            if (attachment.TryGetProperty("contentType", out var type) && type.GetString() == ContentTypes.AdaptiveCard)
            {
                yield return attachment.GetProperty("content").Clone();
            }
        }
    }
}
