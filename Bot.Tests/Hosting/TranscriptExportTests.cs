using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Hosting;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Hosting;

public sealed class TranscriptExportTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static JsonObject Activity(string type, string id, string conversationId)
    {
        var activity = new JsonObject
        {
            ["type"] = type,
            ["id"] = id,
            ["channelId"] = "emulator",
            ["serviceUrl"] = "http://127.0.0.1:9/",
            ["deliveryMode"] = "expectReplies",
            ["from"] = new JsonObject { ["id"] = "user-1", ["name"] = "User" },
            ["recipient"] = new JsonObject { ["id"] = "bot-1", ["name"] = "Bot" },
            ["conversation"] = new JsonObject { ["id"] = conversationId },
            ["locale"] = "en-US",
        };
        return activity;
    }

    private async Task<string> HoldAConversationAsync()
    {
        var conversation = $"transcript-{Guid.NewGuid():N}";
        var bot = Activity("conversationUpdate", "cu-1", conversation);
        bot["membersAdded"] = new JsonArray(new JsonObject { ["id"] = "bot-1" });
        var user = Activity("conversationUpdate", "cu-2", conversation);
        user["membersAdded"] = new JsonArray(new JsonObject { ["id"] = "user-1" });
        var message = Activity("message", "m-1", conversation);
        message["text"] = "how do I return an item";
        foreach (var activity in new[] { bot, user, message })
        {
            var response = await _client.PostAsync(MessagesEndpoint.Path, new StringContent(activity.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        return conversation;
    }

    private async Task<HttpResponseMessage> ExportAsync(string conversationId, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/conversations/{Uri.EscapeDataString(conversationId)}/transcript");
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task ExportWithoutTheAdminKeyIs401()
    {
        var conversation = await HoldAConversationAsync();

        var response = await ExportAsync(conversation, key: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("how do I return", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportWithAWrongAdminKeyIs401()
    {
        var conversation = await HoldAConversationAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await ExportAsync(conversation, "wrong-key")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ExportAsync(conversation, BotFactory.AdminApiKey + "x")).StatusCode);
    }

    [Fact]
    public async Task ExportOfAnUnknownConversationIs404()
    {
        var response = await ExportAsync("no-such-conversation", BotFactory.AdminApiKey);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ExportIsAnEmulatorTranscriptOfEveryActivityInOrder()
    {
        var conversation = await HoldAConversationAsync();

        var response = await ExportAsync(conversation, BotFactory.AdminApiKey);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((byte)'[', bytes[0]); // UTF-8 without a byte-order mark, a flat array
        var activities = JsonDocument.Parse(bytes).RootElement.EnumerateArray().ToList();
        Assert.Equal(
            ["in conversationUpdate cu-1", "in conversationUpdate cu-2", "out message cu-2", "in message m-1", "out message m-1"],
            activities.Select(a => a.GetProperty("from").GetProperty("role").GetString() == "user"
                ? $"in {a.GetProperty("type").GetString()} {a.GetProperty("id").GetString()}"
                : $"out {a.GetProperty("type").GetString()} {a.GetProperty("replyToId").GetString()}"));
        Assert.All(activities, activity =>
        {
            Assert.Equal("emulator", activity.GetProperty("channelId").GetString());
            Assert.Equal(conversation, activity.GetProperty("conversation").GetProperty("id").GetString());
            Assert.Contains(activity.GetProperty("recipient").GetProperty("role").GetString(), new[] { "user", "bot" });
            var timestamp = activity.GetProperty("timestamp").GetString()!;
            Assert.EndsWith("Z", timestamp, StringComparison.Ordinal);
            Assert.True(DateTimeOffset.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture, out _));
        });
        Assert.Equal("bot", activities[2].GetProperty("from").GetProperty("role").GetString());
        Assert.Equal("user", activities[2].GetProperty("recipient").GetProperty("role").GetString());
        Assert.Contains("return", activities[4].GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheAdminKeyAlsoWorksAsAnApiKeyAuthorization()
    {
        var conversation = await HoldAConversationAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/conversations/{conversation}/transcript");
        request.Headers.TryAddWithoutValidation("Authorization", $"ApiKey {BotFactory.AdminApiKey}");

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);
    }
}
