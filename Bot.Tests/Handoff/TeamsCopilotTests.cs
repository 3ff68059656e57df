using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.AgentHub;
using HandoffBot.Copilot;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Handoff;

/// <summary>The co-pilot on the Teams hub card: the accepting agent gets the top suggestion and sends it, edited, with one button.</summary>
public sealed class TeamsCopilotTests
{
    [Fact]
    public async Task TheAcceptingAgentsCardOffersTheTopSuggestionAndSendSuggestionRelaysTheEditedTextAsTheirReply()
    {
        await using var bot = await HandoffHarness.StartAsync("msteams");
        var (handoff, thread) = await HandoffInThreadAsync(bot, "I was charged twice for order 5512, I want the duplicate payment refunded. Let me talk to a person");

        var accept = bot.AgentMessage(string.Empty, "aad-alex", "Alex", thread) with
        {
            Type = ActivityTypes.Invoke,
            Name = "adaptiveCard/action",
            Text = null,
            Value = JsonSerializer.SerializeToElement(new { action = new { type = "Action.Execute", verb = "accept", data = new { handoffId = handoff.Id } } }),
        };
        var card = (await (await bot.PostAsync(accept)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value");

        // Accept and Decline are gone; the body holds the suggestion in an editable box and the button that sends it.
        Assert.False(card.TryGetProperty("actions", out _));
        var body = card.GetProperty("body").EnumerateArray().ToList();
        var box = Assert.Single(body, b => b.GetProperty("type").GetString() == "Input.Text");
        Assert.Equal(HandoffCard.ReplyInput, box.GetProperty("id").GetString());
        var suggested = box.GetProperty("value").GetString()!;
        var button = Assert.Single(body, b => b.GetProperty("type").GetString() == "ActionSet").GetProperty("actions")[0];
        Assert.Equal("Action.Submit", button.GetProperty("type").GetString());
        var data = button.GetProperty("data");
        Assert.Equal(HandoffCard.SuggestionVerb, data.GetProperty("verb").GetString());
        var source = data.GetProperty("source").GetString()!;
        var expected = (await bot.Service<CopilotService>().SuggestAsync((await bot.Service<IHandoffStore>().GetAsync(handoff.Id, CancellationToken.None))!, CancellationToken.None))[0];
        Assert.Equal((expected.Text, expected.Source.Ref), (suggested, source));
        Assert.StartsWith("playbook:billing_dispute/", source, StringComparison.Ordinal);

        // Teams sends the Submit's data with the box's (edited) text under its id.
        var edited = suggested + " Sorry again, Alex.";
        var submit = bot.AgentMessage(string.Empty, "aad-alex", "Alex", thread) with
        {
            Text = null,
            Value = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["verb"] = HandoffCard.SuggestionVerb, ["handoffId"] = handoff.Id, ["source"] = source, [HandoffCard.ReplyInput] = edited }),
        };
        await bot.PostAsync(submit);

        var relayed = await bot.CustomerReceivedAsync("Sorry again, Alex.");
        Assert.Equal(edited, relayed.Text);
        var log = await bot.Service<IHandoffEventLog>().ReadHandoffAsync(handoff.Id, CancellationToken.None);
        var used = Assert.Single(log, e => e.Entry.Action == CopilotActions.Used);
        Assert.Equal(source, used.Entry.Reason);
        Assert.Single(log, e => e.Message is { Kind: HandoffMessageKind.ToCustomer } m && m.Text == edited);
    }

    [Fact]
    public async Task AnotherAgentPressingSendSuggestionSendsNothing()
    {
        await using var bot = await HandoffHarness.StartAsync("msteams");
        var (handoff, thread) = await HandoffInThreadAsync(bot, "let me talk to a person about my refund");
        await bot.PostAsync(bot.AgentMessage($"accept {handoff.Id}", "aad-alex", "Alex", thread));

        await bot.PostAsync(bot.AgentMessage(string.Empty, "aad-sam", "Sam", thread) with
        {
            Text = null,
            Value = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["verb"] = HandoffCard.SuggestionVerb, ["handoffId"] = handoff.Id, ["source"] = "kb:refund-timing", [HandoffCard.ReplyInput] = "not from Alex" }),
        });
        await bot.TurnsCommittedAsync();

        Assert.Equal(0, bot.CountCustomer("not from Alex"));
        var log = await bot.Service<IHandoffEventLog>().ReadHandoffAsync(handoff.Id, CancellationToken.None);
        Assert.DoesNotContain(log, e => CopilotActions.IsCopilot(e.Entry.Action));
    }

    /// <summary>The customer writes <paramref name="text"/> and is handed off; returns the handoff and its Teams thread once offered.</summary>
    private static async Task<(HandoffRecord Handoff, string Thread)> HandoffInThreadAsync(HandoffHarness bot, string text)
    {
        await bot.PostAsync(bot.CustomerMessage(text));
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true, "the offer in the thread");
        await bot.TurnsCommittedAsync();
        var handoff = (await bot.Service<IHandoffStore>().GetLatestForCustomerAsync(HandoffCoordinator.CustomerKey(bot.CustomerMessage("x")), CancellationToken.None))!;
        return (handoff, handoff.HubThread!.Conversation!.Id!);
    }
}
