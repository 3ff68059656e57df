using System.Net;
using System.Text.Json;
using HandoffBot.Tests.Handoff;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Analytics;

/// <summary><c>/api/analytics/summary</c> over HTTP on the real bot: roles, period validation, JSON and CSV.</summary>
public sealed class AnalyticsApiTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private const string Day = "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z";
    private readonly HttpClient _client = factory.CreateClient();

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData("/api/analytics/summary?" + Day)]
    [InlineData("/api/analytics/summary.csv?" + Day)]
    public async Task OnlySupervisorsAndAdminsReadTheAnalytics(string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(_client, path, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(_client, path, BotFactory.AgentApiKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(_client, path, "not-a-key-at-all-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, path, BotFactory.SupervisorApiKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(_client, path, BotFactory.AdminApiKey)).StatusCode);
    }

    [Theory]
    [InlineData("to=2026-11-25T00:00:00Z", "Period missing")]
    [InlineData("from=2026-11-24T00:00:00Z", "Period missing")]
    [InlineData("from=yesterday&to=2026-11-25T00:00:00Z", "Invalid from")]
    [InlineData("from=2026-11-24T00:00:00&to=2026-11-25T00:00:00Z", "Invalid from")]
    [InlineData("from=2026-11-24T00:00:00Z&to=2026-13-25T00:00:00Z", "Invalid to")]
    [InlineData("from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", "Reversed period")]
    [InlineData("from=2026-11-24T00:00:00Z&to=2026-11-24T00:00:00Z", "Reversed period")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2026-11-25T00:00:00Z", "Period too long")]
    [InlineData(Day + "&format=xml", "Unknown format")]
    public async Task ABadPeriodIsAProblemNamingWhatIsWrong(string query, string title)
    {
        var response = await GetAsync(_client, "/api/analytics/summary?" + query, BotFactory.SupervisorApiKey);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AnOffsetInstantIsTheSameInstantInUtc()
    {
        var response = await GetAsync(_client, "/api/analytics/summary?from=2026-11-24T01:00:00%2B01:00&to=2026-11-24T12:00:00Z", BotFactory.SupervisorApiKey);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), json.RootElement.GetProperty("from").GetDateTimeOffset());
    }

    /// <summary>A real handoff through the bot (ask, escalate, offer, accept, end, rate) shows up in the JSON and the CSV.</summary>
    [Fact]
    public Task AHandoffThroughTheBotIsInTheSummaryAndItsCsv() => HandoffThroughTheBotAsync(null);

    /// <summary>The same handoff on the bot configured by <paramref name="configure"/> (a provider), read over HTTP.</summary>
    internal static async Task HandoffThroughTheBotAsync(Action<BotFactory>? configure)
    {
        await using var bot = await HandoffHarness.StartAsync(configure: configure);
        await bot.PostAsync(bot.CustomerMessage("how long does delivery take"));
        await bot.CustomerReceivedAsync("working days");
        await bot.AdvanceAsync(TimeSpan.FromSeconds(20));
        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 5512"));
        var offeredTo = await bot.OfferedToAsync();
        var (agentId, agentName) = offeredTo switch { "agent-alex" => ("agent-alex", "Alex"), "agent-sam" => ("agent-sam", "Sam"), _ => ("agent-priya", "Priya") };
        await bot.AdvanceAsync(TimeSpan.FromSeconds(12));
        await bot.PostAsync(bot.AgentMessage("accept", agentId, agentName));
        await bot.CustomerReceivedAsync($"You're now chatting with {agentName}.");
        await bot.AdvanceAsync(TimeSpan.FromSeconds(90));
        await bot.PostAsync(bot.AgentMessage("end", agentId, agentName));
        await bot.CustomerReceivedAsync("How satisfied were you");
        await bot.PostAsync(bot.CustomerMessage("4"));
        await bot.CustomerReceivedAsync("Thank you for your feedback");
        await bot.TurnsCommittedAsync();

        var response = await GetAsync(bot.Client, "/api/analytics/summary?" + Day, BotFactory.SupervisorApiKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var summary = json.RootElement;
        Assert.Equal(1, summary.GetProperty("conversations").GetInt64());
        Assert.Equal(1, summary.GetProperty("handoffs").GetInt64());
        Assert.Equal(1, summary.GetProperty("handoffRate").GetDouble());
        Assert.Equal(0, summary.GetProperty("containmentRate").GetDouble());
        Assert.Equal(0, summary.GetProperty("abandoned").GetInt64());
        Assert.Equal("billing_dispute", summary.GetProperty("byCategory")[0].GetProperty("key").GetString());
        Assert.Equal(1, summary.GetProperty("byTrigger")[0].GetProperty("handoffs").GetInt64());
        Assert.Equal(12, summary.GetProperty("waitSeconds").GetProperty("p50").GetDouble());
        Assert.Equal(12, summary.GetProperty("waitSeconds").GetProperty("p90").GetDouble());
        Assert.Equal(12, summary.GetProperty("acceptSeconds").GetProperty("p50").GetDouble());
        Assert.Equal(90, summary.GetProperty("handleSeconds").GetProperty("p50").GetDouble());
        Assert.Equal(2, summary.GetProperty("timeToEscalate").GetProperty("turns").GetProperty("p50").GetDouble());
        Assert.Equal(20, summary.GetProperty("timeToEscalate").GetProperty("seconds").GetProperty("p50").GetDouble());
        Assert.Equal(4, summary.GetProperty("csat").GetProperty("withHuman").GetDouble());
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("csat").GetProperty("assistantOnly").ValueKind);

        foreach (var path in new[] { "/api/analytics/summary.csv?" + Day, "/api/analytics/summary?" + Day + "&format=csv" })
        {
            var csv = await GetAsync(bot.Client, path, BotFactory.SupervisorApiKey);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
            var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n");
            Assert.Equal("metric,key,value", lines[0]);
            Assert.Contains("conversations,,1", lines);
            Assert.Contains("waitSeconds.p50,,12", lines);
            Assert.Contains("csat.withHuman,,4", lines);
            Assert.Contains("csat.assistantOnly,,", lines);
            Assert.Contains("byCategory.handoffs,billing_dispute,1", lines);
        }
    }
}

/// <summary>The analytics over HTTP on PostgreSQL (<c>Storage:Provider=Postgres</c>): recorded in each turn's commit, the same figures.</summary>
public sealed class PostgresAnalyticsApiTests
{
    [Fact]
    public Task AHandoffThroughTheBotOnPostgresIsInTheSummaryAndItsCsv() => AnalyticsApiTests.HandoffThroughTheBotAsync(factory => factory.OnPostgres());

    [Fact]
    public async Task OnPostgresAnEmptyPeriodIsAnsweredNotRefused()
    {
        await using var factory = new PostgresBotFactory();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/analytics/summary?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z");
        request.Headers.Add("X-Api-Key", BotFactory.SupervisorApiKey);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("conversations").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("waitSeconds").GetProperty("p50").ValueKind);
    }
}
