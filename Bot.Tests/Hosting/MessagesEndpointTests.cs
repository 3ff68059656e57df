using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Hosting;

public sealed class MessagesEndpointTests : IClassFixture<BotFactory>
{
    private readonly HttpClient _client;

    public MessagesEndpointTests(BotFactory factory) => _client = factory.CreateClient();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ExpectRepliesReturnsTheAnswerInTheResponseBody()
    {
        var response = await _client.PostAsync("/api/messages", Json("""
            {"type":"message","id":"m1","channelId":"emulator","deliveryMode":"expectReplies",
             "conversation":{"id":"conv-expect"},"from":{"id":"user","role":"user"},"recipient":{"id":"bot","role":"bot"},
             "text":"where is my order?"}
            """));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var reply = Assert.Single(body.RootElement.GetProperty("activities").EnumerateArray());
        Assert.Equal("message", reply.GetProperty("type").GetString());
        Assert.Equal("m1", reply.GetProperty("replyToId").GetString());
        Assert.Equal("user", reply.GetProperty("recipient").GetProperty("id").GetString());
        Assert.Contains("Account > Orders", reply.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.False(reply.TryGetProperty("id", out _));
        Assert.False(reply.TryGetProperty("timestamp", out _));
    }

    [Theory]
    [InlineData("not json", "not a valid activity")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("""{"channelId":"emulator","conversation":{"id":"c"}}""", "'type'")]
    [InlineData("""{"type":"message","conversation":{"id":"c"}}""", "'channelId'")]
    [InlineData("""{"type":"message","channelId":"emulator"}""", "'conversation.id'")]
    [InlineData("""{"type":"message","channelId":"emulator","conversation":{"id":"c"},"timestamp":42}""", "not a valid activity")]
    public async Task BadBodiesGetA400ProblemNamingTheProblem(string body, string expected)
    {
        var response = await _client.PostAsync("/api/messages", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OtherMethodsGet405()
    {
        var response = await _client.GetAsync("/api/messages");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task BodiesOverTheLimitGet413()
    {
        var big = new string('x', 300 * 1024);
        var response = await _client.PostAsync("/api/messages", Json($$"""{"type":"message","channelId":"e","conversation":{"id":"c"},"text":"{{big}}"}"""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task HealthEndpointsAnswerInEveryEnvironment()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/ready")).StatusCode);
    }
}
