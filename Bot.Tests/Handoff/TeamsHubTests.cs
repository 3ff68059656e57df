using System.Net.Http.Json;
using HandoffBot.AgentHub;
using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Protocol;

namespace HandoffBot.Tests.Handoff;

public sealed class TeamsHubTests
{
    [Fact]
    public async Task InATeamsChannelEachHandoffOpensAThreadAndOneOfAHundredConcurrentAcceptsWinsAndReplacesTheCardForAll()
    {
        await using var bot = await HandoffHarness.StartAsync("msteams");

        await bot.PostAsync(bot.CustomerMessage("let me talk to a person"));
        await HandoffHarness.ReceivedAsync(bot.Hub, a => a.Text?.Contains("is offered to you", StringComparison.Ordinal) == true, "the offer in the thread");
        var create = bot.Hub.Requests.First(r => r.Method == "POST" && r.Path == "/v3/conversations");
        var parameters = create.Json;
        Assert.True(parameters.GetProperty("isGroup").GetBoolean());
        Assert.Equal(HandoffHarness.TeamsChannel, parameters.GetProperty("channelData").GetProperty("channel").GetProperty("id").GetString());
        var card = parameters.GetProperty("activity").GetProperty("attachments")[0];
        Assert.Equal(ContentTypes.AdaptiveCard, card.GetProperty("contentType").GetString());
        Assert.Equal("1.5", card.GetProperty("content").GetProperty("version").GetString());
        var accept = card.GetProperty("content").GetProperty("actions")[0];
        Assert.Equal("Action.Execute", accept.GetProperty("type").GetString());
        Assert.Equal("Action.Submit", accept.GetProperty("fallback").GetProperty("type").GetString());
        var handoffId = accept.GetProperty("data").GetProperty("handoffId").GetString()!;
        var handoff = await bot.Service<IHandoffStore>().GetAsync(handoffId, CancellationToken.None);
        var thread = handoff!.HubThread!.Conversation!.Id!;

        var invokes = Enumerable.Range(0, 100).Select(i => bot.AgentMessage(string.Empty, $"aad-{i}", $"Agent {i}", thread) with
        {
            Type = ActivityTypes.Invoke,
            Name = "adaptiveCard/action",
            Text = null,
            Value = JsonSerializer.SerializeToElement(new { action = new { type = "Action.Execute", verb = "accept", data = new { handoffId } } }),
        }).ToList();
        var responses = await Task.WhenAll(invokes.Select(async invoke =>
        {
            var response = await bot.PostAsync(invoke);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }));

        var titles = responses.Select(r =>
        {
            Assert.Equal(200, r.GetProperty("statusCode").GetInt32());
            Assert.Equal(ContentTypes.AdaptiveCard, r.GetProperty("type").GetString());
            Assert.False(r.GetProperty("value").TryGetProperty("actions", out _));
            return r.GetProperty("value").GetProperty("body")[0].GetProperty("text").GetString();
        }).Distinct().ToList();
        var title = Assert.Single(titles);
        var stored = await bot.Service<IHandoffStore>().GetAsync(handoffId, CancellationToken.None);
        Assert.Equal(bot.Service<HubNotifier>().Cards.Say("hub.card.accepted", ("agent", stored!.AgentName)), title);
        var audit = await bot.Service<IHandoffStore>().ReadAuditAsync(handoffId, CancellationToken.None);
        Assert.Single(audit, a => a.Action == "accept");
        await bot.CustomerReceivedAsync($"You're now chatting with {stored.AgentName}.");
        Assert.Equal(1, bot.CountCustomer("You're now chatting with"));

        // The winner works in the thread, with an @mention of the bot that is stripped.
        var winner = invokes.First(i => i.From!.Name == stored.AgentName).From!.Id!;
        var (mention, mentionText) = HandoffBot.AgentHub.MentionText.Mention("bot-hub", "HandoffBot");
        await bot.PostAsync(bot.AgentMessage($"{mentionText} Your refund is on its way.", winner, stored.AgentName!, thread) with { Entities = [mention] });
        var relayed = await bot.CustomerReceivedAsync("Your refund is on its way.");
        Assert.Equal("Your refund is on its way.", relayed.Text);
    }
}
