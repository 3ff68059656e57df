using System.Net;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Protocol;

public sealed class ConnectorClientTests : IAsyncLifetime
{
    private readonly TimerWatchingTimeProvider _time = ConnectorTestHost.NewTime();
    private FakeConnector _connector = null!;

    public async Task InitializeAsync() => _connector = await FakeConnector.StartAsync();

    public async Task DisposeAsync() => await _connector.DisposeAsync();

    private IConnectorClient Client(Dictionary<string, string?>? settings = null, IOutboundTokenProvider? tokens = null) =>
        ConnectorTestHost.Build(_time, settings, tokens).GetRequiredService<IConnectorClient>();

    private Activity Reply(string conversationId = "conv-1", string replyToId = "in-1", string? serviceUrl = null) => new()
    {
        Type = ActivityTypes.Message,
        ServiceUrl = serviceUrl ?? _connector.Url,
        ChannelId = "emulator",
        Conversation = new ConversationAccount { Id = conversationId },
        From = new ChannelAccount { Id = "bot", Role = RoleTypes.Bot },
        Recipient = new ChannelAccount { Id = "user", Role = RoleTypes.User },
        ReplyToId = replyToId,
        Text = "hello",
    };

    [Theory]
    [InlineData("19:abc@thread.skype;messageid=123", "a:b@c;d", "/base/path/v3/conversations/19%3Aabc%40thread.skype%3Bmessageid%3D123/activities/a%3Ab%40c%3Bd")]
    [InlineData("a:b@c;d", "19:abc@thread.skype;messageid=123", "/base/path/v3/conversations/a%3Ab%40c%3Bd/activities/19%3Aabc%40thread.skype%3Bmessageid%3D123")]
    public async Task RepliesKeepTheServiceUrlBasePathAndEscapeEveryId(string conversationId, string replyToId, string expectedTarget)
    {
        var response = await Client().ReplyToActivityAsync(Reply(conversationId, replyToId, _connector.UrlWith("base/path")), CancellationToken.None);

        var request = Assert.Single(_connector.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(expectedTarget, request.RawTarget);
        Assert.Equal(conversationId, request.Activity.Conversation?.Id);
        Assert.Equal("fake-1", response.Id);
    }

    [Fact]
    public async Task ServiceUrlWithoutATrailingSlashKeepsItsBasePathToo()
    {
        await Client().SendToConversationAsync(Reply(serviceUrl: _connector.Url + "amer"), CancellationToken.None);

        Assert.Equal("/amer/v3/conversations/conv-1/activities", Assert.Single(_connector.Requests).RawTarget);
    }

    [Fact]
    public async Task SendUpdateDeleteAndCreateConversationUseTheConnectorRoutes()
    {
        var client = Client();
        await client.SendToConversationAsync(Reply() with { ReplyToId = null }, CancellationToken.None);
        await client.UpdateActivityAsync(Reply() with { Id = "out:1" }, CancellationToken.None);
        await client.DeleteActivityAsync(_connector.Url, "conv-1", "out:1", CancellationToken.None);
        _connector.Script(ScriptedResponse.Ok("""{"id":"19:new@thread","activityId":"a1","serviceUrl":"https://smba.example/"}"""));
        var created = await client.CreateConversationAsync(_connector.Url, new ConversationParameters { IsGroup = true, TopicName = "Agents" }, CancellationToken.None);

        var requests = _connector.Requests;
        Assert.Equal(
            ["POST /v3/conversations/conv-1/activities", "PUT /v3/conversations/conv-1/activities/out%3A1",
             "DELETE /v3/conversations/conv-1/activities/out%3A1", "POST /v3/conversations"],
            requests.Select(r => $"{r.Method} {r.RawTarget}"));
        Assert.True(requests[3].Json.GetProperty("isGroup").GetBoolean());
        Assert.Equal("19:new@thread", created.Id);
        Assert.Equal("a1", created.ActivityId);
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedOnlyAfterTheRetryAfterDelay()
    {
        _connector.Script(ScriptedResponse.TooManyRequests(7));

        var call = Client().ReplyToActivityAsync(Reply(), CancellationToken.None);
        await _connector.WaitForRequestsAsync(1);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Single(_connector.Requests);
        Assert.False(call.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, _connector.Requests.Count);
        Assert.Equal("fake-1", response.Id);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task ServerErrorsAreRetriedAfterABackoff(int status)
    {
        _connector.Script(ScriptedResponse.Error(status));

        var call = Client().ReplyToActivityAsync(Reply(), CancellationToken.None);
        await _connector.WaitForRequestsAsync(1);
        var backoff = await _time.WaitForTimerAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(10));
        _time.Advance(backoff);
        await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, _connector.Requests.Count);
    }

    [Fact]
    public async Task AnAttemptThatGetsNoAnswerTimesOutAndIsRetried()
    {
        _connector.Script(ScriptedResponse.Hang);
        var client = Client(new() { ["Connector:AttemptTimeout"] = "00:00:05" });

        var call = client.ReplyToActivityAsync(Reply(), CancellationToken.None);
        await _connector.WaitForRequestsAsync(1);
        await _time.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(5));
        var backoff = await _time.WaitForTimerAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(5));
        _time.Advance(backoff);
        var response = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, _connector.Requests.Count);
        Assert.Equal("fake-1", response.Id);
    }

    [Fact]
    public async Task RetriesAreBoundedAndTheLastFailureIsReported()
    {
        _connector.Otherwise = _ => ScriptedResponse.Error(503, "Busy", "try later") with
        {
            Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
        };
        var call = Client(new() { ["Connector:MaxRetryAttempts"] = "2" }).ReplyToActivityAsync(Reply(), CancellationToken.None);

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await _connector.WaitForRequestsAsync(attempt);
            await _time.WaitForTimerAsync(TimeSpan.FromSeconds(2), occurrence: attempt);
            _time.Advance(TimeSpan.FromSeconds(2));
        }
        var failure = await Assert.ThrowsAsync<ConnectorException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Equal(3, _connector.Requests.Count);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failure.StatusCode);
        Assert.Equal("Busy", failure.ErrorCode);
        Assert.Contains("try later", failure.Message, StringComparison.Ordinal);
        Assert.True(failure.IsTransient);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(412)]
    public async Task ClientErrorsAreNeverRetried(int status)
    {
        _connector.Script(ScriptedResponse.Error(status, "Nope", "not allowed"));

        var failure = await Assert.ThrowsAsync<ConnectorException>(() => Client().ReplyToActivityAsync(Reply(), CancellationToken.None));

        Assert.Single(_connector.Requests);
        Assert.Equal(status, (int)failure.StatusCode);
        Assert.Equal("Nope", failure.ErrorCode);
        Assert.Equal(status == 403, failure.IsForbidden);
        Assert.Equal(status == 412, failure.IsPreconditionFailed);
        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task ARetryAfterLongerThanTheLimitFailsAtOnceAndSaysHowLongToWait()
    {
        _connector.Script(ScriptedResponse.TooManyRequests(3600));

        var failure = await Assert.ThrowsAsync<ConnectorException>(() => Client().ReplyToActivityAsync(Reply(), CancellationToken.None));

        Assert.Single(_connector.Requests);
        Assert.Equal(HttpStatusCode.TooManyRequests, failure.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), failure.RetryAfter);
    }

    [Fact]
    public async Task AnUnauthorizedAnswerForcesOneTokenRefreshAndOneMoreCall()
    {
        var tokens = new CountingTokens();
        _connector.Script(ScriptedResponse.Error(401, "Unauthorized", "token expired"));

        await Client(tokens: tokens).ReplyToActivityAsync(Reply(), CancellationToken.None);

        Assert.Equal(["Bearer token-1", "Bearer token-2"], _connector.Requests.Select(r => r.Header("Authorization")));
        Assert.Equal([false, true], tokens.Forced);
    }

    [Fact]
    public async Task ASecondUnauthorizedAnswerIsReported()
    {
        _connector.Otherwise = _ => ScriptedResponse.Error(401, "Unauthorized", "bad app id");

        var failure = await Assert.ThrowsAsync<ConnectorException>(() => Client(tokens: new CountingTokens()).ReplyToActivityAsync(Reply(), CancellationToken.None));

        Assert.Equal(2, _connector.Requests.Count);
        Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
    }

    [Fact]
    public async Task LocalModeSendsNoAuthorizationHeader()
    {
        await Client().ReplyToActivityAsync(Reply(), CancellationToken.None);

        Assert.Null(Assert.Single(_connector.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task AChannelThatCannotBeReachedIsATypedError()
    {
        var closed = await FakeConnector.StartAsync();
        var url = closed.Url;
        await closed.DisposeAsync();

        var failure = await Assert.ThrowsAsync<ConnectorException>(() =>
            Client(new() { ["Connector:MaxRetryAttempts"] = "0" }).ReplyToActivityAsync(Reply(serviceUrl: url), CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadGateway, failure.StatusCode);
        Assert.Equal(ConnectorException.UnreachableCode, failure.ErrorCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not a url")]
    [InlineData("ftp://example.com/")]
    public void AServiceUrlThatIsNotAnHttpUrlIsRefused(string? serviceUrl) =>
        Assert.Throws<ArgumentException>(() => ConnectorClient.BuildUri(serviceUrl, "v3/conversations"));

    private sealed class CountingTokens : IOutboundTokenProvider
    {
        private int _issued;

        public List<bool> Forced { get; } = [];

        public ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
        {
            lock (Forced)
            {
                Forced.Add(forceRefresh);
            }
            return ValueTask.FromResult<string?>(forceRefresh || _issued == 0 ? $"token-{++_issued}" : $"token-{_issued}");
        }
    }
}
