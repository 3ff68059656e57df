using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.AgentConsole;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.AgentConsole;

/// <summary>
/// The console's HTTP API on a live loopback bot with embedded defaults (generated keys, presented as X-Api-Key as
/// any non-browser client would), and a customer on the bot's own Direct Line.
/// </summary>
public sealed partial class ConsoleApiTests : IAsyncLifetime
{
    private LiveBot _bot = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _bot = LiveBot.Start(factory => factory.WithoutAccess());
        _http = new HttpClient { BaseAddress = _bot.BaseAddress };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _bot.DisposeAsync();
    }

    [Fact]
    public async Task TwoAgentsAcceptingAtOnceOneWinsAndTheOtherIsToldWho()
    {
        await SetPresenceAsync("priya", AgentPresence.Away);
        var handoff = await CustomerAsksForAPersonAsync();

        var accepts = await Task.WhenAll(Post("Alex", $"/agent/api/handoffs/{handoff}/accept"), Post("Sam", $"/agent/api/handoffs/{handoff}/accept"));

        Assert.Single(accepts, r => r.StatusCode == HttpStatusCode.OK);
        var lost = Assert.Single(accepts, r => r.StatusCode == HttpStatusCode.Conflict);
        var problem = await lost.Content.ReadFromJsonAsync<JsonElement>();
        var winner = (await Store.GetAsync(handoff, CancellationToken.None))!.AgentName;
        Assert.Equal(winner, problem.GetProperty("acceptedBy").GetString());
        Assert.Equal("application/problem+json", lost.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnAgentSeesOnlyWhatIsTheirsOrInTheirQueuesAndEveryReadIsAudited()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var handoff = await CustomerAsksForAPersonAsync();
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/accept")).StatusCode);

        // Priya (legal, general) may not read Alex's conversation; the supervisor may. Both reads are in the audit.
        using var priya = await Get("Priya", $"/agent/api/handoffs/{handoff}");
        Assert.Equal(HttpStatusCode.Forbidden, priya.StatusCode);
        using var supervisor = await Get("Supervisor", $"/agent/api/handoffs/{handoff}");
        Assert.Equal(HttpStatusCode.OK, supervisor.StatusCode);
        var detail = await supervisor.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), l => l.GetProperty("text").GetString()!.Contains("talk to a human", StringComparison.Ordinal));
        var audit = await _bot.Services.GetRequiredService<IAccessAudit>().ReadAsync(20, CancellationToken.None);
        Assert.Contains(audit, e => e.Action == "transcript.read" && e.Resource == "handoff:" + handoff && e.Principal == "Priya" && !e.Allowed);
        Assert.Contains(audit, e => e.Action == "transcript.read" && e.Resource == "handoff:" + handoff && e.Principal == "Supervisor" && e.Allowed);

        // Priya cannot write into it either.
        using var intruder = await Post("Priya", $"/agent/api/handoffs/{handoff}/messages", new { key = "k1", text = "hello" });
        Assert.Equal(HttpStatusCode.Forbidden, intruder.StatusCode);
        using var state = await Get("Priya", "/agent/api/state");
        var priyaState = await state.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(priyaState.GetProperty("conversations").EnumerateArray());
        Assert.DoesNotContain(priyaState.GetProperty("waiting").EnumerateArray(), w => w.GetProperty("id").GetString() == handoff);
    }

    [Fact]
    public async Task AMessageSentTwiceWithOneKeyReachesTheCustomerOnce()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var (handoff, conversation) = await CustomerWithAlexAsync();

        var body = new { key = "retry-1", text = "Your refund is on its way." };
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/messages", body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/messages", body)).StatusCode);
        await _bot.Services.GetRequiredService<OutboxDispatcher>().WhenIdleAsync(CancellationToken.None);

        var delivered = await CustomerMessagesAsync(conversation);
        Assert.Single(delivered, text => text == "Your refund is on its way.");
        var lines = await _bot.Services.GetRequiredService<IHandoffEventLog>().ReadHandoffAsync(handoff, CancellationToken.None);
        Assert.Single(lines, e => e.Message?.Text == "Your refund is on its way.");
    }

    [Fact]
    public async Task WhatTheCustomerWroteWhileWaitingIsInTheWorkspaceAndAnAgentWorksSeveralConversationsAtOnce()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var (first, firstConversation) = await CustomerAsync("customer-a");
        var (second, _) = await CustomerAsync("customer-b");
        await SetPresenceAsync("alex", AgentPresence.Away); // the offers are withdrawn: both customers wait
        Assert.Equal(HandoffStatus.Queued, (await Store.GetAsync(first, CancellationToken.None))!.Status);
        await SayAsync(firstConversation, "customer-a", "my order number is 4711");
        await SetPresenceAsync("alex", AgentPresence.Available);

        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{first}/accept")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{second}/accept")).StatusCode);

        using var detail = await Get("Alex", $"/agent/api/handoffs/{first}");
        var lines = (await detail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("timeline").EnumerateArray().ToList();
        Assert.Contains(lines, l => l.GetProperty("kind").GetString() == "customer" && l.GetProperty("text").GetString() == "my order number is 4711");
        using var state = await Get("Alex", "/agent/api/state");
        var me = await state.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal([first, second], me.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(2, me.GetProperty("me").GetProperty("active").GetInt32());
    }

    [Fact]
    public async Task ATransferToAQueueGoesBackToWaitingWithTheNoteForTheNextAgent()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var (handoff, _) = await CustomerWithAlexAsync();

        using var transfer = await Post("Alex", $"/agent/api/handoffs/{handoff}/transfer", new { key = "t1", queue = "legal", note = "Wants to complain formally." });
        Assert.Equal(HttpStatusCode.OK, transfer.StatusCode);

        var moved = (await Store.GetAsync(handoff, CancellationToken.None))!;
        Assert.Equal(("legal", HandoffStatus.Queued), (moved.Queue, moved.Status));
        await SetPresenceAsync("priya", AgentPresence.Available); // legal is Priya's skill
        using var priya = await Get("Priya", $"/agent/api/handoffs/{handoff}");
        Assert.Equal(HttpStatusCode.OK, priya.StatusCode);
        var lines = (await priya.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("timeline").EnumerateArray();
        Assert.Contains(lines, l => l.GetProperty("kind").GetString() == "note" && l.GetProperty("text").GetString() == "Wants to complain formally.");
    }

    [Theory]
    [InlineData("/messages", """{"key":"has space","text":"hi"}""", "Bad key")]
    [InlineData("/messages", """{"key":"k","text":"   "}""", "Bad text")]
    [InlineData("/notes", """{"key":"k"}""", "Bad text")]
    [InlineData("/transfer", """{"key":"k","queue":"nowhere"}""", "Unknown queue")]
    [InlineData("/transfer", """{"key":"k","queue":"general","agent":"sam"}""", "Bad transfer")]
    public async Task BadRequestsGetProblemDetailsNamingTheProblem(string path, string json, string title)
    {
        using var response = await Post("Alex", "/agent/api/handoffs/some-id" + path, json: json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task PresenceIsValidatedAndKept()
    {
        using var bad = await Put("Alex", "/agent/api/presence", new { presence = "Busy" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var away = await Put("Alex", "/agent/api/presence", new { presence = "Away" });
        Assert.Equal(HttpStatusCode.OK, away.StatusCode);
        using var state = await Get("Alex", "/agent/api/state");
        Assert.Equal("Away", (await state.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("me").GetProperty("presence").GetString());
        using var anonymous = await _http.GetAsync("/agent/api/state");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task APageSessionNeedsTheAntiForgeryTokenForChanges()
    {
        using var cookies = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _bot.BaseAddress };
        using var signIn = await cookies.PostAsJsonAsync("/agent/api/session", new { accessKey = Key("Alex") });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var csrf = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf").GetString();

        using var without = await cookies.PutAsJsonAsync("/agent/api/presence", new { presence = "Away" });
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal("Anti-forgery token missing", (await without.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Put, "/agent/api/presence") { Content = JsonContent.Create(new { presence = "Away" }) };
        request.Headers.Add(AgentConsoleServiceCollectionExtensions.AntiforgeryHeader, csrf);
        using var with = await cookies.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("handoffbot.agent=", StringComparison.Ordinal)
            && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase));

        using var signOut = new HttpRequestMessage(HttpMethod.Delete, "/agent/api/session");
        signOut.Headers.Add(AgentConsoleServiceCollectionExtensions.AntiforgeryHeader, csrf);
        Assert.Equal(HttpStatusCode.NoContent, (await cookies.SendAsync(signOut)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await cookies.GetAsync("/agent/api/state")).StatusCode);
    }

    [Fact]
    public void OnEmbeddedDefaultsEveryRosterAgentAndASupervisorGetASignInLink()
    {
        var links = _bot.Services.GetRequiredService<ConsoleAccess>().SignInLinks;
        Assert.Equal(["Alex", "Sam", "Priya", "Supervisor"], links.Select(l => l.Agent));
        Assert.All(links, l => Assert.StartsWith(new Uri(_bot.BaseAddress, "/agent/sign-in#key=").ToString(), l.Link.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", "/agent/api/supervisor/live")]
    [InlineData("GET", "/agent/api/supervisor/audit")]
    [InlineData("GET", "/agent/api/supervisor/analytics?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")]
    [InlineData("POST", "/agent/api/supervisor/handoffs/h1/reassign")]
    [InlineData("PUT", "/agent/api/supervisor/agents/alex/capacity")]
    public async Task TheSupervisorApisRefuseAgentsAndStrangers(string method, string path)
    {
        using var anonymous = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { agent = "sam" }) });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var agent = await Send("Alex", new HttpMethod(method), path, JsonContent.Create(new { agent = "sam" }));
        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        if (method == "GET")
        {
            using var supervisor = await Get("Supervisor", path);
            Assert.Equal(HttpStatusCode.OK, supervisor.StatusCode);
        }
    }

    [Fact]
    public async Task ASupervisorSeesTheConversationLiveAndReassignsItToAnotherAgentWhichIsAudited()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        var waiting = await CustomerAsync("customer-2");
        using (var refused = await Post("Supervisor", $"/agent/api/supervisor/handoffs/{waiting.Handoff}/reassign", new { agent = "sam" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode); // waiting: routing's job
        }
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{waiting.Handoff}/accept")).StatusCode);
        var handoff = waiting.Handoff;

        using var live = await Get("Supervisor", "/agent/api/supervisor/live");
        var view = await live.Content.ReadFromJsonAsync<JsonElement>();
        var row = Assert.Single(view.GetProperty("conversations").EnumerateArray(), c => c.GetProperty("id").GetString() == handoff);
        Assert.Equal("Alex", row.GetProperty("agent").GetString());
        Assert.Equal(1, Assert.Single(view.GetProperty("agents").EnumerateArray(), a => a.GetProperty("id").GetString() == "alex").GetProperty("conversations").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await Post("Supervisor", $"/agent/api/supervisor/handoffs/{handoff}/reassign", new { agent = "sam", queue = "general" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get("Supervisor", "/agent/api/supervisor/audit?kind=everything")).StatusCode);
        await SetPresenceAsync("sam", AgentPresence.Available);
        using var moved = await Post("Supervisor", $"/agent/api/supervisor/handoffs/{handoff}/reassign", new { agent = "sam" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var stored = await Store.GetAsync(handoff, CancellationToken.None);
        Assert.Equal((HandoffStatus.Offered, "sam"), (stored!.Status, stored.OfferedTo));

        var audit = await _bot.Services.GetRequiredService<IAccessAudit>().ReadAsync(20, CancellationToken.None);
        Assert.Contains(audit, e => e.Action == "handoff.reassign" && e.Resource == "handoff:" + handoff && e.Principal == "Supervisor" && e.Allowed);
        Assert.Contains(audit, e => e.Action == "handoff.reassign" && e.Resource == "handoff:" + handoff && !e.Allowed);
        using var routing = await Get("Supervisor", "/agent/api/supervisor/audit?kind=routing");
        var lines = (await routing.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Contains(lines, l => l.GetProperty("action").GetString() == "transfer" && l.GetProperty("subject").GetString() == "handoff:" + handoff);
        Assert.All(lines, l => Assert.Equal("routing", l.GetProperty("kind").GetString()));
    }

    private IHandoffStore Store => _bot.Services.GetRequiredService<IHandoffStore>();

    private Task<IReadOnlyList<string>> SetPresenceAsync(string agent, AgentPresence presence) =>
        _bot.Services.GetRequiredService<HandoffCoordinator>().SetPresenceAsync(new AgentId(agent), presence, CancellationToken.None);

    private string Key(string agent) => _bot.Services.GetRequiredService<ConsoleAccess>().SignInLinks.Single(l => l.Agent == agent).Link.Fragment["#key=".Length..];

    private async Task<(string Handoff, string Conversation)> CustomerWithAlexAsync()
    {
        var (handoff, conversation) = await CustomerAsync();
        Assert.Equal(HttpStatusCode.OK, (await Post("Alex", $"/agent/api/handoffs/{handoff}/accept")).StatusCode);
        return (handoff, conversation);
    }

    private async Task<string> CustomerAsksForAPersonAsync() => (await CustomerAsync()).Handoff;

    /// <summary>A Direct Line customer who asks for a person; returns the handoff once it is open.</summary>
    private async Task<(string Handoff, string Conversation)> CustomerAsync(string user = "customer-1")
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
        start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LiveBot.Secret);
        var conversation = (await (await _http.SendAsync(start)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("conversationId").GetString()!;
        await SayAsync(conversation, user, "my order is wrong, I want to talk to a human");
        var handoff = await Store.GetLatestForCustomerAsync($"directline/conversations/{conversation}", CancellationToken.None);
        Assert.NotNull(handoff);
        return (handoff.Id, conversation);
    }

    private async Task SayAsync(string conversation, string user, string text)
    {
        using var say = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation}/activities")
        {
            Content = JsonContent.Create(new { type = "message", from = new { id = user, name = "Jo" }, text }),
        };
        say.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LiveBot.Secret);
        Assert.True((await _http.SendAsync(say)).IsSuccessStatusCode);
        await _bot.Services.GetRequiredService<TurnQueue>().WhenIdleAsync(CancellationToken.None);
    }

    private async Task<IReadOnlyList<string>> CustomerMessagesAsync(string conversation)
    {
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{conversation}/activities");
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LiveBot.Secret);
        var set = await (await _http.SendAsync(read)).Content.ReadFromJsonAsync<JsonElement>();
        return [.. set.GetProperty("activities").EnumerateArray().Where(a => a.TryGetProperty("text", out _)).Select(a => a.GetProperty("text").GetString()!)];
    }

    private Task<HttpResponseMessage> Get(string agent, string path) => Send(agent, HttpMethod.Get, path, null);

    private Task<HttpResponseMessage> Put(string agent, string path, object body) => Send(agent, HttpMethod.Put, path, JsonContent.Create(body));

    private Task<HttpResponseMessage> Post(string agent, string path, object? body = null, string? json = null) =>
        Send(agent, HttpMethod.Post, path, json is not null ? new StringContent(json, System.Text.Encoding.UTF8, "application/json") : body is null ? null : JsonContent.Create(body));

    private Task<HttpResponseMessage> Send(string agent, HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Api-Key", Key(agent));
        return _http.SendAsync(request);
    }
}
