using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using HandoffBot.Protocol;
using HandoffBot.Tests.Handoff;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Telemetry;

public sealed class HandoffTraceTests
{
    private static async Task<HttpResponseMessage> PostTracedAsync(HandoffHarness bot, HandoffBot.Protocol.Activity activity, string traceParent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = JsonContent.Create(activity, ProtocolJsonContext.Default.Activity),
        };
        request.Headers.Add("traceparent", traceParent);
        var response = await bot.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST /api/messages answered {(int)response.StatusCode}");
        return response;
    }

    /// <summary>A billing dispute posted with a new trace context, then everything until the offer is delivered to the hub.</summary>
    private static async Task<(ActivityTraceId Trace, ActivitySpanId Parent)> TracedHandoffAsync(HandoffHarness bot)
    {
        var (header, trace, parent) = TelemetryCapture.NewTraceParent();
        await PostTracedAsync(bot, bot.CustomerMessage("I was charged twice for order 5512"), header);
        await bot.OfferedToAsync();
        await SettledAsync(bot);
        return (trace, parent);
    }

    private static async Task SettledAsync(HandoffHarness bot)
    {
        await bot.TurnsCommittedAsync();
        await bot.Service<HandoffBot.Handoff.OutboxDispatcher>().WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AHandoffIsOneConnectedTraceFromTheCustomersMessageThroughTheQueuedTurnToTheAgentsNotification()
    {
        var capture = new TelemetryCapture();
        await using var bot = await HandoffHarness.StartAsync(configure: capture.AttachTo);
        var (trace, parent) = await TracedHandoffAsync(bot);

        var spans = capture.SpansOf(trace);
        var names = spans.Select(s => s.DisplayName).ToList();
        // Ingress, the queued turn, each middleware, the escalation decision, the transitions, the deliveries, the Connector.
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == parent);
        var turn = Assert.Single(spans, s => s.DisplayName == "turn");
        Assert.Equal(true, turn.GetTagItem("bot.turn.queued"));
        Assert.Equal("customer-conversation", turn.GetTagItem("bot.conversation.id"));
        foreach (var step in new[] { "ErrorHandlingMiddleware", "TranscriptMiddleware", "ConversationStateMiddleware", "HandoffMiddleware", "EscalationMiddleware" })
        {
            Assert.Contains("middleware " + step, names);
        }
        var decision = Assert.Single(spans, s => s.DisplayName == "escalation.decide");
        Assert.Equal(true, decision.GetTagItem("escalation.escalate"));
        Assert.Equal("billing_dispute", decision.GetTagItem("escalation.category"));
        Assert.Contains(spans, s => s.DisplayName == "handoff.transition" && (string?)s.GetTagItem("handoff.action") == "offer");
        var deliveries = spans.Where(s => s.DisplayName == "outbox.deliver").ToList();
        // The hub's announcement and the offer, written off the turn by the intake worker, are delivered in this trace.
        Assert.True(deliveries.Count(d => (bool?)d.GetTagItem("outbox.to_customer") == false) >= 2, string.Join(", ", names));
        Assert.Contains(spans, s => s.DisplayName.StartsWith("connector POST", StringComparison.Ordinal));

        // Connected: every span's parent is the channel's span or another span of the same trace.
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        Assert.All(spans, s => Assert.True(s.ParentSpanId == parent || ids.Contains(s.ParentSpanId), $"{s.DisplayName} has a parent outside the trace"));
        // No span carries message text.
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), t => t.Value is string text && text.Contains("charged twice", StringComparison.Ordinal));

        // The agent hub's channel received the trace context with its notification.
        var hubRequests = bot.Hub.Requests.Where(r => r.Method == "POST").ToList();
        Assert.NotEmpty(hubRequests);
        Assert.All(hubRequests, r => Assert.Contains(trace.ToHexString(), r.Header("traceparent") ?? string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARetriedHubDeliveryJoinsTheTraceOfTheCustomersMessage()
    {
        var capture = new TelemetryCapture();
        await using var bot = await HandoffHarness.StartAsync(configure: capture.AttachTo);
        bot.Hub.Script(ScriptedResponse.Error(404, "ConversationNotFound")); // the first hub message fails; the outbox retries it
        var (header, trace, _) = TelemetryCapture.NewTraceParent();

        await PostTracedAsync(bot, bot.CustomerMessage("I was charged twice for order 5512"), header);
        await HandoffHarness.ReceivedAsync(bot.Hub, _ => bot.Hub.Requests.Count >= 1, "the failed first delivery");
        await bot.AdvanceAsync(TimeSpan.FromSeconds(5));
        // The hub records the refused request too: wait for the second copy of the announcement.
        await HandoffHarness.ReceivedAsync(bot.Hub, _ => bot.CountHub(a => a.Name == "handoff.initiate") >= 2, "the retried announcement");
        await SettledAsync(bot);

        var spans = capture.SpansOf(trace);
        var failed = Assert.Single(spans, s => s.DisplayName == "outbox.deliver" && s.Status == ActivityStatusCode.Error);
        var retried = Assert.Single(spans, s => s.DisplayName == "outbox.deliver" && (int?)s.GetTagItem("outbox.attempt") == 2);
        Assert.Equal(failed.GetTagItem("outbox.seq"), retried.GetTagItem("outbox.seq"));
        Assert.Equal(failed.ParentSpanId, retried.ParentSpanId); // both attempts under the span that stored the row
        Assert.Contains(spans, s => s.DisplayName.StartsWith("connector", StringComparison.Ordinal) && (int?)s.GetTagItem("http.response.status_code") == 404);
    }

    [Fact]
    public async Task AQueuedTurnRunAfterARestartContinuesTheTraceOfItsRequest()
    {
        var database = $"Data Source=trace-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var keeper = new Microsoft.Data.Sqlite.SqliteConnection(database); // the in-memory database outlives the first process
        await keeper.OpenAsync();
        var (header, trace, _) = TelemetryCapture.NewTraceParent();
        string requestSpan;
        await using (var first = new BotFactory().With("Storage:SqliteConnectionString", database))
        {
            // Stored by a request of that trace; the process stops before the turn ran.
            var inbox = first.Services.GetRequiredService<HandoffBot.Storage.IInboxStore>();
            using var request = new System.Diagnostics.Activity("request").SetParentId(header).Start();
            requestSpan = request.SpanId.ToHexString();
            await inbox.AddAsync(new HandoffBot.Protocol.Activity
            {
                Type = ActivityTypes.Event,
                Name = "ping",
                Id = "e-1",
                ChannelId = "emulator",
                Conversation = new ConversationAccount { Id = "restarted-conversation" },
                From = new ChannelAccount { Id = "customer-1" },
                Recipient = new ChannelAccount { Id = "bot" },
            }, CancellationToken.None);
        }

        var capture = new TelemetryCapture();
        await using var second = new BotFactory().With("Storage:SqliteConnectionString", database);
        capture.AttachTo(second);
        await second.Services.GetRequiredService<HandoffBot.Hosting.TurnQueue>().WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var turn = Assert.Single(capture.SpansOf(trace), s => s.DisplayName == "turn");
        Assert.Equal(requestSpan, turn.ParentSpanId.ToHexString());
        Assert.Equal("restarted-conversation", turn.GetTagItem("bot.conversation.id"));
    }

    [Fact]
    public async Task LogLinesOfATurnCarryItsTraceAndTheConversationInScope()
    {
        var capture = new TelemetryCapture();
        await using var bot = await HandoffHarness.StartAsync(configure: capture.AttachTo);
        var (trace, _) = await TracedHandoffAsync(bot);

        var escalation = Assert.Single(capture.Logs.Snapshot(), l => l.EventId.Id == 3000 && l.TraceId == trace);
        var scope = new Dictionary<string, object?>();
        escalation.ForEachScope((s, _) =>
        {
            foreach (var item in s)
            {
                scope[item.Key] = item.Value;
            }
        }, (object?)null);
        Assert.Equal("customer-conversation", scope["ConversationId"]);
        Assert.Equal("emulator", scope["ChannelId"]);
    }

    [Fact]
    public async Task TheMetricsEndpointShowsTheHandoffCountersAfterAHandoff()
    {
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(s =>
            s.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(IPAddress.Loopback))));

        await bot.PostAsync(bot.CustomerMessage("I was charged twice for order 5512"));
        var offeredTo = await bot.OfferedToAsync();
        var name = offeredTo switch { "agent-alex" => "Alex", "agent-sam" => "Sam", _ => "Priya" };
        await bot.PostAsync(bot.AgentMessage("accept", offeredTo, name));
        await bot.HubEventAsync("handoff.status", "accepted");
        await SettledAsync(bot);

        var text = await bot.Client.GetStringAsync("/metrics");
        Assert.Matches("handoffbot_handoffs_total\\{[^}]*action=\"open\"[^}]*queue=\"billing\"[^}]*status=\"Queued\"[^}]*\\} [1-9]", text);
        Assert.Matches("handoffbot_handoffs_total\\{[^}]*action=\"accept\"[^}]*queue=\"billing\"[^}]*status=\"WithAgent\"[^}]*\\} [1-9]", text);
        Assert.Matches("handoffbot_escalations_total\\{[^}]*category=\"billing_dispute\"[^}]*\\} [1-9]", text);
        Assert.Matches("handoffbot_handoff_wait_time_seconds_count\\{[^}]*queue=\"billing\"[^}]*\\} [1-9]", text);
        Assert.Matches("handoffbot_turns_total\\{[^}]*channel=\"emulator\"[^}]*outcome=\"ok\"[^}]*\\} [1-9]", text);
        Assert.DoesNotContain("charged twice", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMetricsEndpointShowsTheRuntimesJitGcAndThreadPoolCounters()
    {
        // An operator (and the load tools, which wait for the JIT to settle before measuring) reads them from /metrics.
        await using var bot = await HandoffHarness.StartAsync(configure: f => f.WithServices(s =>
            s.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(IPAddress.Loopback))));
        await bot.PostAsync(bot.CustomerMessage("hello"));

        var text = await bot.Client.GetStringAsync("/metrics");
        Assert.Matches("(?m)^dotnet_jit_compiled_methods(_total)?(\\{[^}]*\\})? [1-9]", text);
        Assert.Matches("(?m)^dotnet_gc_collections(_total)?\\{[^}]*\\} [0-9]", text);
        Assert.Matches("(?m)^dotnet_thread_pool_thread_count(_total)?(\\{[^}]*\\})? [1-9]", text);
    }

    [Theory]
    [InlineData("127.0.0.1", null, HttpStatusCode.OK)]
    [InlineData("203.0.113.7", null, HttpStatusCode.Unauthorized)]
    [InlineData("203.0.113.7", BotFactory.SupervisorApiKey, HttpStatusCode.Forbidden)]
    [InlineData("203.0.113.7", BotFactory.AdminApiKey, HttpStatusCode.OK)]
    public async Task MetricsAreForLoopbackCallersOrAdminsOnly(string remote, string? apiKey, HttpStatusCode expected)
    {
        await using var factory = new BotFactory().WithServices(s => s.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(IPAddress.Parse(remote))));
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task AdminModeRefusesLoopbackCallersWithoutTheAdminRole()
    {
        await using var factory = new BotFactory().With("Telemetry:MetricsScrape", "Admin")
            .WithServices(s => s.AddSingleton<IStartupFilter>(new RemoteAddressStartupFilter(IPAddress.Loopback)));
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
