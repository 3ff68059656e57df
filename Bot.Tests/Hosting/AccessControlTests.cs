using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HandoffBot.Hosting.Access;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Tests.Hosting;

public sealed class AccessControlFactory : BotFactory
{
    public const string JwtIssuer = "https://id.handoffbot.test";
    public const string JwtAudience = "handoffbot-console";
    public const string JwtSigningKey = "a-test-signing-key-of-at-least-32-bytes!";
    public const string HandledConversation = "conv-handled-by-alex";

    public AccessControlFactory()
    {
        With("Access:Jwt:Issuer", JwtIssuer);
        With("Access:Jwt:Audience", JwtAudience);
        With("Access:Jwt:SigningKey", JwtSigningKey);
        With("MicrosoftAppPassword", "do-not-show-this-password");
        WithServices(services =>
        {
            services.RemoveAll<IConversationAssignments>();
            services.AddSingleton<IConversationAssignments>(new Assignments());
        });
    }

    private sealed class Assignments : IConversationAssignments
    {
        public Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken) =>
            Task.FromResult(conversationId == HandledConversation && agentId == AgentId);
    }
}

public sealed class AccessControlTests : IClassFixture<AccessControlFactory>
{
    private readonly AccessControlFactory _factory;
    private readonly HttpClient _client;

    public AccessControlTests(AccessControlFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    private async Task SeedConversationAsync(string conversationId)
    {
        var response = await _client.PostAsync("/api/messages", new StringContent($$"""
            {"type":"message","id":"m1","channelId":"emulator","deliveryMode":"expectReplies","conversation":{"id":"{{conversationId}}"},
             "from":{"id":"user"},"recipient":{"id":"bot"},"text":"how do I reset my password"}
            """, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? apiKey = null, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }
        return await _client.SendAsync(request);
    }

    private string ConsoleToken(string role, string? audience = null, TimeSpan? age = null) => FakeIdentityServer.Mint(
        new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessControlFactory.JwtSigningKey)),
        AccessControlFactory.JwtIssuer, audience ?? AccessControlFactory.JwtAudience, _factory.Time.GetUtcNow() - (age ?? TimeSpan.Zero),
        new Dictionary<string, object> { ["roles"] = role, ["name"] = $"{role} via sso" }, algorithm: SecurityAlgorithms.HmacSha256);

    [Fact]
    public async Task ATranscriptNeedsCredentials()
    {
        await SeedConversationAsync("conv-anonymous");

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/conversations/conv-anonymous/transcript")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/conversations/conv-anonymous/transcript", "not-a-valid-key-at-all")).StatusCode);
    }

    [Fact]
    public async Task ASupervisorReadsAnyTranscriptAndTheReadIsAudited()
    {
        await SeedConversationAsync("conv-supervised");

        var response = await GetAsync("/api/conversations/conv-supervised/transcript", BotFactory.SupervisorApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var audit = await _factory.Services.GetRequiredService<IAccessAudit>().ReadAsync(50, CancellationToken.None);
        Assert.Contains(audit, e => e.Resource == "conv-supervised" && e.Principal == "supervisor" && e.Allowed && e.Action == "transcript.read");
    }

    [Fact]
    public async Task AnAgentReadsOnlyTheTranscriptsOfConversationsTheyHandle()
    {
        await SeedConversationAsync(AccessControlFactory.HandledConversation);
        await SeedConversationAsync("conv-someone-elses");

        Assert.Equal(HttpStatusCode.OK, (await GetAsync($"/api/conversations/{AccessControlFactory.HandledConversation}/transcript", BotFactory.AgentApiKey)).StatusCode);
        var denied = await GetAsync("/api/conversations/conv-someone-elses/transcript", BotFactory.AgentApiKey);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var audit = await _factory.Services.GetRequiredService<IAccessAudit>().ReadAsync(50, CancellationToken.None);
        Assert.Contains(audit, e => e.Resource == "conv-someone-elses" && e.Principal == "alex" && !e.Allowed);
    }

    [Fact]
    public async Task AdminViewsAreForAdminsOnly()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/api/admin/audit", BotFactory.SupervisorApiKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/api/admin/configuration", BotFactory.AgentApiKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/admin/audit", BotFactory.AdminApiKey)).StatusCode);
    }

    [Fact]
    public async Task TheConfigurationViewRedactsSecrets()
    {
        var response = await GetAsync("/api/admin/configuration", BotFactory.AdminApiKey);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("do-not-show-this-password", body, StringComparison.Ordinal);
        Assert.DoesNotContain(BotFactory.AgentApiKey, body, StringComparison.Ordinal);
        var settings = JsonSerializer.Deserialize<Dictionary<string, string>>(body)!;
        Assert.Equal("(redacted)", settings["MicrosoftAppPassword"]);
        Assert.Equal("Knowledge/retail-kb.json", settings["Assistant:KnowledgeBasePath"]);
    }

    [Fact]
    public async Task AJwtBearerWithTheSupervisorRoleReadsTranscripts()
    {
        await SeedConversationAsync("conv-sso");

        var response = await GetAsync("/api/conversations/conv-sso/transcript", bearer: ConsoleToken("supervisor"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AJwtBearerForAnotherAudienceOrExpiredIsRefused()
    {
        await SeedConversationAsync("conv-sso-bad");

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/conversations/conv-sso-bad/transcript", bearer: ConsoleToken("supervisor", audience: "other-app"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/conversations/conv-sso-bad/transcript", bearer: ConsoleToken("supervisor", age: TimeSpan.FromHours(3)))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/api/admin/audit", bearer: ConsoleToken("agent"))).StatusCode);
    }
}

public sealed class RateLimitTests : IClassFixture<RateLimitTests.Factory>
{
    public sealed class Factory : BotFactory
    {
        public Factory() => With("RateLimits:MessagesPerSecond", "2");
    }

    private readonly HttpClient _client;

    public RateLimitTests(Factory factory) => _client = factory.CreateClient();

    [Fact]
    public async Task MessagesOverTheLimitGet429WithRetryAfter()
    {
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add(await _client.PostAsync("/api/messages", new StringContent(
                """{"type":"message","channelId":"emulator","deliveryMode":"expectReplies","conversation":{"id":"rl"},"text":"hi"}""", Encoding.UTF8, "application/json")));
        }

        var rejected = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(rejected.Headers.RetryAfter is not null);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("rate limit", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void UnknownRolesInConfigurationFailAtStartUp()
    {
        using var factory = new BotFactory().With("Access:ApiKeys:3:Name", "x").With("Access:ApiKeys:3:Key", "0123456789abcdef0123").With("Access:ApiKeys:3:Role", "superuser");

        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(factory.StartupFailure());

        Assert.Contains("Role 'superuser' is not one of agent, supervisor, admin", error.Message, StringComparison.Ordinal);
    }
}
