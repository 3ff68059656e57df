using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.Copilot;
using HandoffBot.Handoff.Events;
using HandoffBot.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.AgentConsole;

/// <summary>The co-pilot's part of the console API: suggestions with sources, and used/dismissed in the handoff audit.</summary>
public sealed partial class ConsoleApiTests
{
    [Fact]
    public async Task TheHandlingAgentGetsSuggestionsWithSourcesAndWhatTheyUseOrDismissIsAudited()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var (handoff, _) = await CustomerWithAlexAsync();

        using var response = await Get("Alex", $"/agent/api/handoffs/{handoff}/suggestions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var suggestions = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("suggestions").EnumerateArray().ToList();
        Assert.InRange(suggestions.Count, 1, 3);
        Assert.All(suggestions, s =>
        {
            Assert.Matches("^(kb:|playbook:)", s.GetProperty("source").GetProperty("ref").GetString());
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("source").GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("text").GetString()));
        });
        var used = suggestions[0].GetProperty("source").GetProperty("ref").GetString()!;
        var dismissed = suggestions[^1].GetProperty("source").GetProperty("ref").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/suggestions/feedback", new { action = "used", source = used })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/suggestions/feedback", new { action = "dismissed", source = dismissed })).StatusCode);

        var log = await _bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff, CancellationToken.None);
        var entries = log.Where(e => CopilotActions.IsCopilot(e.Entry.Action)).Select(e => (e.Entry.Action, e.Entry.Reason, e.Entry.Actor.Id)).ToList();
        Assert.Equal([(CopilotActions.Used, used, "alex"), (CopilotActions.Dismissed, dismissed, "alex")], entries);
        // They are audit lines, not part of the conversation the agent reads.
        using var detail = await Get("Alex", $"/agent/api/handoffs/{handoff}");
        var timeline = (await detail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("timeline").EnumerateArray();
        Assert.DoesNotContain(timeline, l => l.GetProperty("text").GetString()!.Contains("copilot.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"action":"liked","source":"kb:refund-timing"}""", "Bad action")]
    [InlineData("""{"source":"kb:refund-timing"}""", "Bad action")]
    [InlineData("""{"action":"used","source":"kb:no-such-entry"}""", "Unknown source")]
    [InlineData("""{"action":"used","source":"playbook:fraud/no-such-step"}""", "Unknown source")]
    [InlineData("""{"action":"used"}""", "Unknown source")]
    public async Task BadFeedbackGetsProblemDetailsAndNothingIsStored(string json, string title)
    {
        var (handoff, _) = await CustomerWithAlexAsync();

        using var response = await Post("Alex", $"/agent/api/handoffs/{handoff}/suggestions/feedback", json: json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        var log = await _bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff, CancellationToken.None);
        Assert.DoesNotContain(log, e => CopilotActions.IsCopilot(e.Entry.Action));
    }

    [Fact]
    public async Task OnlyTheHandlingAgentRecordsFeedbackAndOnlyWhoMaySeeTheHandoffGetsSuggestions()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var (handoff, _) = await CustomerWithAlexAsync();

        using var priya = await Get("Priya", $"/agent/api/handoffs/{handoff}/suggestions");
        using var supervisor = await Get("Supervisor", $"/agent/api/handoffs/{handoff}/suggestions");
        using var missing = await Get("Alex", "/agent/api/handoffs/no-such-handoff/suggestions");
        using var sam = await Post("Sam", $"/agent/api/handoffs/{handoff}/suggestions/feedback", new { action = "used", source = "kb:refund-timing" });

        Assert.Equal(
            [HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Forbidden],
            [priya.StatusCode, supervisor.StatusCode, missing.StatusCode, sam.StatusCode]);
        var log = await _bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff, CancellationToken.None);
        Assert.DoesNotContain(log, e => CopilotActions.IsCopilot(e.Entry.Action));
    }
}
