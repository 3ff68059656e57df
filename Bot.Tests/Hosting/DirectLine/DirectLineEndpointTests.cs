using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using HandoffBot.Hosting;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Hosting.DirectLine;

/// <summary>The Direct Line 3.0 REST and WebSocket surface, in process (fake time, in-memory SQLite).</summary>
public sealed class DirectLineEndpointTests : IAsyncLifetime
{
    private const string Secret = "endpoint-test-secret-0123456789";
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("handoffbot-dl-");
    private BotFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new BotFactory().With("DirectLine:Secret", Secret).With("Storage:DataFolder", _data.FullName).With("DirectLine:MaxUploadBytes", "4096");
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        _data.Delete(recursive: true);
    }

    [Fact]
    public async Task StartingAConversationAnswers201AndStartingItAgainWithItsToken200()
    {
        var generated = await SendAsync(HttpMethod.Post, "/v3/directline/tokens/generate", Secret);
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        var token = await generated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1800, token.GetProperty("expires_in").GetInt32());

        var first = await SendAsync(HttpMethod.Post, "/v3/directline/conversations", token.GetProperty("token").GetString());
        var again = await SendAsync(HttpMethod.Post, "/v3/directline/conversations", token.GetProperty("token").GetString());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(token.GetProperty("conversationId").GetString(), body.GetProperty("conversationId").GetString());
        Assert.StartsWith("ws://", body.GetProperty("streamUrl").GetString(), StringComparison.Ordinal);
        Assert.Contains("t=", body.GetProperty("streamUrl").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheUsersMessageIsEchoedWithItsClientActivityIdAndAnsweredOnTheStream()
    {
        var conversation = await StartAsync();
        using var socket = await ConnectAsync(conversation);
        await ReceiveUntilAsync(socket, a => a.Text?.Contains("HandoffBot assistant", StringComparison.Ordinal) == true);

        var posted = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token,
            """{"type":"message","from":{"id":"ignored-when-empty"},"text":"how long does delivery take","channelData":{"clientActivityID":"client-42"}}""");
        Assert.Equal(HttpStatusCode.Forbidden, posted.StatusCode); // from.id must be the token's user

        posted = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token,
            """{"type":"message","text":"how long does delivery take","channelData":{"clientActivityID":"client-42"}}""");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var seen = await ReceiveUntilAsync(socket, a => a.ReplyToId == id);
        var echo = Assert.Single(seen, a => a.Id == id);
        Assert.Equal("client-42", echo.ChannelData!.Value.GetProperty("clientActivityID").GetString());
        Assert.Equal(conversation.UserId, echo.From!.Id);
        Assert.Equal(_factory.Time.GetUtcNow(), echo.Timestamp);
        Assert.Contains("working days", seen[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollingReturnsOnlyActivitiesAfterTheWatermark()
    {
        var conversation = await StartAsync();
        await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, """{"type":"message","text":"first"}""");
        var all = await GetActivitiesAsync(conversation, null);
        var watermark = all.GetProperty("watermark").GetString();
        await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, """{"type":"message","text":"second"}""");

        var newer = await GetActivitiesAsync(conversation, watermark);

        var texts = newer.GetProperty("activities").EnumerateArray().Where(a => a.GetProperty("from").GetProperty("role").GetString() == "user")
            .Select(a => a.GetProperty("text").GetString()).ToList();
        Assert.Equal(["second"], texts);
        Assert.True(long.Parse(newer.GetProperty("watermark").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(watermark!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task TypingGoesOverTheStreamButIsNotKeptForPolling()
    {
        var conversation = await StartAsync();
        using var socket = await ConnectAsync(conversation);
        await ReceiveUntilAsync(socket, a => a.IsType(ActivityTypes.Message));
        var transport = _factory.Services.GetServices<IChannelTransport>().Single(t => t.Handles(new Activity { ChannelId = "directline" }));

        await transport.Sink.SendAsync([new Activity { Type = ActivityTypes.Typing, ChannelId = "directline", Conversation = new() { Id = conversation.Id } }], default);

        await ReceiveUntilAsync(socket, a => a.IsType(ActivityTypes.Typing));
        var polled = await GetActivitiesAsync(conversation, null);
        Assert.DoesNotContain(polled.GetProperty("activities").EnumerateArray(), a => a.GetProperty("type").GetString() == "typing");
    }

    [Fact]
    public async Task ANewSocketReplacesTheOldOneAndResumesFromItsWatermark()
    {
        var conversation = await StartAsync();
        using var old = await ConnectAsync(conversation);
        var greeting = (await ReceiveUntilAsync(old, a => a.IsType(ActivityTypes.Message)))[^1];
        var watermark = greeting.Id!.Split('|')[1].TrimStart('0');

        using var replacement = await ConnectAsync(conversation, watermark);
        var posted = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, """{"type":"message","text":"hello again"}""");
        var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var seen = await ReceiveUntilAsync(replacement, a => a.Id == id);
        Assert.DoesNotContain(seen, a => a.Id == greeting.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await old.ReceiveAsync(buffer, timeout.Token);
        }
        while (result.MessageType != WebSocketMessageType.Close);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, result.CloseStatus);
    }

    [Fact]
    public async Task AnExpiredTokenGets403AndRefreshBeforeExpiryKeepsTheConversation()
    {
        var conversation = await StartAsync();
        _factory.Time.Advance(TimeSpan.FromMinutes(20));
        var refreshed = await SendAsync(HttpMethod.Post, "/v3/directline/tokens/refresh", conversation.Token);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var newToken = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        _factory.Time.Advance(TimeSpan.FromMinutes(15));

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{conversation.Id}/activities", newToken)).StatusCode);
    }

    [Fact]
    public async Task UnknownConversationsGet404AndOtherConversationsTokens403()
    {
        var mine = await StartAsync();
        var other = await StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v3/directline/conversations/nope/activities", Secret)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{other.Id}/activities", mine.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{mine.Id}/activities", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{mine.Id}/activities", mine.Token[..^4] + "AAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/v3/directline/tokens/generate", mine.Token)).StatusCode);
    }

    [Fact]
    public async Task BadActivitiesGet400AndNothingIsStored()
    {
        var conversation = await StartAsync();
        var before = (await GetActivitiesAsync(conversation, null)).GetProperty("activities").GetArrayLength();

        var notJson = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, "not json");
        var noType = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, """{"text":"hi"}""");
        var badWatermark = await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{conversation.Id}/activities?watermark=abc", conversation.Token);
        var loneSurrogate = await SendAsync(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/activities", conversation.Token, """{"type":"message","text":"\ud800"}""");

        Assert.Equal(HttpStatusCode.BadRequest, loneSurrogate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badWatermark.StatusCode);
        Assert.Contains("'type'", (await noType.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await GetActivitiesAsync(conversation, null)).GetProperty("activities").GetArrayLength());
    }

    [Fact]
    public async Task AnUploadedFileIsAttachedToTheMessageAndServedBackWithItsContentType()
    {
        var conversation = await StartAsync();
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "photo.png");
        var activityPart = new StringContent("""{"type":"message","text":"here is a photo"}""", Encoding.UTF8);
        activityPart.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.microsoft.activity");
        form.Add(activityPart, "activity", "blob");

        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/upload?userId={conversation.UserId}") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);
        var response = await _client.SendAsync(upload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activities = (await GetActivitiesAsync(conversation, null)).GetProperty("activities").EnumerateArray().ToList();
        var message = activities.Single(a => a.TryGetProperty("attachments", out _));
        Assert.Equal("here is a photo", message.GetProperty("text").GetString());
        var attachment = message.GetProperty("attachments")[0];
        Assert.Equal("photo.png", attachment.GetProperty("name").GetString());
        var served = await _client.GetAsync(new Uri(attachment.GetProperty("contentUrl").GetString()!).PathAndQuery);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await served.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v3/directline/attachments/att_00000000000000000000000000000000")).StatusCode);
    }

    [Fact]
    public async Task AnUploadOverTheLimitGets413AndNothingIsStored()
    {
        var conversation = await StartAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(new byte[8192]), "file", "big.bin");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/upload") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);

        var response = await _client.SendAsync(upload);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.DoesNotContain((await GetActivitiesAsync(conversation, null)).GetProperty("activities").EnumerateArray(), a => a.TryGetProperty("attachments", out _));
    }

    [Fact]
    public async Task AnUploadWithAnInvalidActivityPartGets400AndNothingIsStored()
    {
        var conversation = await StartAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent([1, 2, 3]), "file", "note.bin");
        form.Add(new StringContent("""{"type":"message","attachments":[null]}""", Encoding.UTF8), "activity", "blob");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{conversation.Id}/upload") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);

        var response = await _client.SendAsync(upload);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'attachments'", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain((await GetActivitiesAsync(conversation, null)).GetProperty("activities").EnumerateArray(), a => a.TryGetProperty("attachments", out _));
    }

    [Fact]
    public async Task ABrowserOverTheRateLimitGetsThe429WithCorsHeadersSoThePageCanReadIt()
    {
        var last = await SendOnePastTheLimitAsync(limit: 1, origin: "https://shop.example");

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.Equal("*", last.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Retry-After", string.Join(",", last.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CorsPreflightAllowsTheAuthorizationAndBotAgentHeaders()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v3/directline/conversations");
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,x-ms-bot-agent,content-type");

        var response = await _client.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToUpperInvariant();
        Assert.Contains("AUTHORIZATION", allowed, StringComparison.Ordinal);
        Assert.Contains("X-MS-BOT-AGENT", allowed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePageTokenResumesTheSameConversationAndThePageNeverSeesTheSecret()
    {
        var fresh = await (await _client.PostAsync("/api/directline/token", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(fresh.GetProperty("existing").GetBoolean());
        var token = fresh.GetProperty("token").GetString();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/v3/directline/conversations", token)).StatusCode);
        _factory.Time.Advance(TimeSpan.FromHours(1)); // the page was closed for a while: its token expired

        var resumed = await (await _client.PostAsJsonAsync("/api/directline/token", new { token })).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(resumed.GetProperty("existing").GetBoolean());
        Assert.Equal(fresh.GetProperty("conversationId").GetString(), resumed.GetProperty("conversationId").GetString());
        Assert.Equal(fresh.GetProperty("userId").GetString(), resumed.GetProperty("userId").GetString());
        var page = await _client.GetAsync("/");
        Assert.DoesNotContain(Secret, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task OverTheRateLimitRequestsGet429WithRetryAfter()
    {
        var last = await SendOnePastTheLimitAsync(limit: 3, origin: null);

        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    /// <summary>Sends tokens/generate <paramref name="limit"/> + 1 times to a bot allowing <paramref name="limit"/> per window; the last response.</summary>
    private static async Task<HttpResponseMessage> SendOnePastTheLimitAsync(int limit, string? origin)
    {
        await using var limited = new BotFactory().With("DirectLine:Secret", Secret).With("DirectLine:RequestsPerWindow", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var client = limited.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i <= limit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/generate");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }
            last?.Dispose();
            last = await client.SendAsync(request);
        }
        return last!;
    }

    private sealed record Conversation(string Id, string Token, string UserId, string StreamUrl);

    private async Task<Conversation> StartAsync()
    {
        var response = await SendAsync(HttpMethod.Post, "/v3/directline/conversations", Secret);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        var user = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1])).RootElement.GetProperty("user").GetString()!;
        return new Conversation(body.GetProperty("conversationId").GetString()!, token, user, body.GetProperty("streamUrl").GetString()!);
    }

    private async Task<WebSocket> ConnectAsync(Conversation conversation, string? watermark = null)
    {
        var url = new UriBuilder(conversation.StreamUrl);
        if (watermark is not null)
        {
            url.Query = url.Query.TrimStart('?').Replace("watermark=-", "watermark=" + watermark, StringComparison.Ordinal);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _factory.Server.CreateWebSocketClient().ConnectAsync(url.Uri, timeout.Token);
    }

    /// <summary>Reads stream messages until an activity matches; returns every activity seen, in order. Fails after 30 s.</summary>
    private static async Task<List<Activity>> ReceiveUntilAsync(WebSocket socket, Func<Activity, bool> predicate)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<Activity>();
        var buffer = new byte[256 * 1024];
        while (true)
        {
            if (await DirectLineFrames.ReadAsync(socket, buffer, timeout.Token) is not { } message)
            {
                continue; // keep-alive
            }
            Assert.NotNull(message.Watermark);
            foreach (var activity in message.Activities)
            {
                seen.Add(activity);
                if (predicate(activity))
                {
                    return seen;
                }
            }
        }
    }

    private async Task<JsonElement> GetActivitiesAsync(Conversation conversation, string? watermark)
    {
        var response = await SendAsync(HttpMethod.Get, $"/v3/directline/conversations/{conversation.Id}/activities?watermark={watermark}", conversation.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        return await _client.SendAsync(request);
    }

    private static byte[] Base64UrlDecode(string value) =>
        Convert.FromBase64String(value.Replace('-', '+').Replace('_', '/').PadRight(value.Length + ((4 - (value.Length % 4)) % 4), '='));
}
