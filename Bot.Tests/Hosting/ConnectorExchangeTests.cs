using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Hosting;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Hosting;

/// <summary>
/// The bot over HTTP as a channel sees it: activities POSTed to /api/messages, replies POSTed back to a fake
/// Connector (Kestrel on loopback) at the activity's serviceUrl.
/// </summary>
public sealed class ConnectorExchangeTests(BotFactory factory) : IClassFixture<BotFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private FakeConnector _connector = null!;

    public async Task InitializeAsync() => _connector = await FakeConnector.StartAsync();

    public async Task DisposeAsync() => await _connector.DisposeAsync();

    private static string NewConversationId() => $"{Guid.NewGuid():N}|livechat";

    /// <summary>An activity as the Emulator sends it.</summary>
    private static JsonObject EmulatorActivity(string type, string id, string conversationId, string serviceUrl) => new()
    {
        ["type"] = type,
        ["id"] = id,
        ["timestamp"] = "2026-11-24T09:00:00.000Z",
        ["localTimestamp"] = "2026-11-24T10:00:00+01:00",
        ["localTimezone"] = "Europe/Berlin",
        ["serviceUrl"] = serviceUrl,
        ["channelId"] = "emulator",
        ["from"] = new JsonObject { ["id"] = "user-1", ["name"] = "User", ["role"] = "user" },
        ["conversation"] = new JsonObject { ["id"] = conversationId },
        ["recipient"] = new JsonObject { ["id"] = "bot-1", ["name"] = "Bot", ["role"] = "bot" },
        ["locale"] = "en-US",
    };

    private static JsonObject MembersAdded(string id, string conversationId, string serviceUrl, string memberId, string memberName)
    {
        var activity = EmulatorActivity("conversationUpdate", id, conversationId, serviceUrl);
        activity["membersAdded"] = new JsonArray(new JsonObject { ["id"] = memberId, ["name"] = memberName });
        return activity;
    }

    private static JsonObject Message(string id, string conversationId, string serviceUrl, string text)
    {
        var activity = EmulatorActivity("message", id, conversationId, serviceUrl);
        activity["text"] = text;
        activity["textFormat"] = "plain";
        return activity;
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject activity)
    {
        var response = await _client.PostAsync(MessagesEndpoint.Path, new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json"));
        return response;
    }

    private async Task PostAcceptedAsync(JsonObject activity)
    {
        var response = await PostAsync(activity);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnEmulatorExchangeGetsTheWelcomeThenTheAnswerAsRepliesThroughTheConnector()
    {
        var conversation = NewConversationId();
        var url = _connector.Url;

        await PostAcceptedAsync(MembersAdded("cu-1", conversation, url, "bot-1", "Bot"));
        await PostAcceptedAsync(MembersAdded("cu-2", conversation, url, "user-1", "User"));
        await PostAcceptedAsync(Message("m-1", conversation, url, "where is my order?"));
        var requests = await _connector.WaitForRequestsAsync(2);

        Assert.Equal(2, requests.Count);
        var escaped = Uri.EscapeDataString(conversation);
        Assert.Equal($"/v3/conversations/{escaped}/activities/cu-2", requests[0].RawTarget);
        Assert.Equal($"/v3/conversations/{escaped}/activities/m-1", requests[1].RawTarget);
        Assert.All(requests, request =>
        {
            Assert.Equal("POST", request.Method);
            var body = request.Json;
            Assert.False(body.TryGetProperty("id", out _), "a reply must not carry an id");
            Assert.False(body.TryGetProperty("timestamp", out _), "a reply must not carry a timestamp");
            Assert.Equal("message", body.GetProperty("type").GetString());
            Assert.Equal("emulator", body.GetProperty("channelId").GetString());
            Assert.Equal(url, body.GetProperty("serviceUrl").GetString());
            Assert.Equal(conversation, body.GetProperty("conversation").GetProperty("id").GetString());
            Assert.Equal("bot-1", body.GetProperty("from").GetProperty("id").GetString());
            Assert.Equal("bot", body.GetProperty("from").GetProperty("role").GetString());
            Assert.Equal("user-1", body.GetProperty("recipient").GetProperty("id").GetString());
            Assert.Null(request.Header("Authorization"));
        });
        var welcome = requests[0].Activity;
        var answer = requests[1].Activity;
        Assert.Equal("cu-2", welcome.ReplyToId);
        Assert.Contains("HandoffBot assistant", welcome.Text, StringComparison.Ordinal);
        Assert.Equal("m-1", answer.ReplyToId);
        Assert.Contains("Account > Orders", answer.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TeamsStyleIdsAreEscapedAndTheServiceUrlBasePathIsKept()
    {
        const string conversation = "19:abc@thread.skype;messageid=123";
        var url = _connector.UrlWith("base/path");

        await PostAcceptedAsync(Message("a:b@c;d", conversation, url, "how do I reset my password"));
        var request = Assert.Single(await _connector.WaitForRequestsAsync(1));

        Assert.Equal("/base/path/v3/conversations/19%3Aabc%40thread.skype%3Bmessageid%3D123/activities/a%3Ab%40c%3Bd", request.RawTarget);
        Assert.Equal(conversation, request.Activity.Conversation?.Id);
        Assert.Equal("a:b@c;d", request.Activity.ReplyToId);
    }

    [Fact]
    public async Task ATooManyRequestsAnswerIsRetriedAfterRetryAfterAndTheReplyIsDeliveredOnce()
    {
        var conversation = NewConversationId();
        var retryAfter = TimeSpan.FromSeconds(3);
        var earlier = factory.Time.DueTimes.Count(d => d == retryAfter);
        _connector.Script(ScriptedResponse.TooManyRequests(3));

        await PostAcceptedAsync(Message("m-1", conversation, _connector.Url, "how long does delivery take"));
        await _connector.WaitForRequestsAsync(1);
        await factory.Time.WaitForTimerAsync(retryAfter, occurrence: earlier + 1);
        factory.Time.Advance(retryAfter);
        await _connector.WaitForRequestsAsync(2);
        await PostAcceptedAsync(Message("m-2", conversation, _connector.Url, "how do I return an item"));
        var requests = await _connector.WaitForRequestsAsync(3);

        Assert.Equal(3, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].RawTarget, requests[1].RawTarget);
        Assert.Equal(["m-1", "m-1", "m-2"], requests.Select(r => r.Activity.ReplyToId));
    }

    [Fact]
    public async Task AForbiddenAnswerIsNotRetried()
    {
        var conversation = NewConversationId();
        _connector.Script(ScriptedResponse.Error(403, "BotBlocked", "The user blocked the bot"));

        await PostAcceptedAsync(MembersAdded("cu-1", conversation, _connector.Url, "user-1", "User"));
        await _connector.WaitForRequestsAsync(1);
        await PostAcceptedAsync(Message("m-1", conversation, _connector.Url, "where is my refund"));
        var requests = await _connector.WaitForRequestsAsync(2);

        Assert.Equal(2, requests.Count);
        Assert.Equal(["cu-1", "m-1"], requests.Select(r => r.Activity.ReplyToId));
    }

    [Fact]
    public async Task AnInvokeNobodyHandlesGets501AndSendsNothing()
    {
        var conversation = NewConversationId();
        var invoke = EmulatorActivity("invoke", "i-1", conversation, _connector.Url);
        invoke["name"] = "some/unknownInvoke";
        invoke["value"] = new JsonObject { ["x"] = 1 };

        var response = await PostAsync(invoke);
        await PostAcceptedAsync(Message("m-1", conversation, _connector.Url, "hello"));
        var requests = await _connector.WaitForRequestsAsync(1);

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("m-1", Assert.Single(requests).Activity.ReplyToId);
    }

    [Fact]
    public async Task ExpectRepliesAnswersInTheBodyAndSendsNothingOutOfBand()
    {
        var conversation = NewConversationId();
        var expect = Message("m-1", conversation, _connector.Url, "can I pay with PayPal");
        expect["deliveryMode"] = "expectReplies";

        var response = await PostAsync(expect);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Empty(_connector.Requests);
        await PostAcceptedAsync(Message("m-2", conversation, _connector.Url, "thanks"));
        var requests = await _connector.WaitForRequestsAsync(1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = Assert.Single(body.RootElement.GetProperty("activities").EnumerateArray());
        Assert.Equal("m-1", reply.GetProperty("replyToId").GetString());
        Assert.Equal("m-2", Assert.Single(requests).Activity.ReplyToId);
    }
}
