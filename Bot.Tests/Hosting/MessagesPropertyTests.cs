using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using HandoffBot.Hosting;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Hosting;

/// <summary>
/// Whatever JSON object a channel (or an attacker) posts, /api/messages answers 200 or a 400 ProblemDetails
/// (501 for an unhandled invoke), never a 500.
/// </summary>
public sealed class MessagesPropertyTests(BotFactory factory) : IClassFixture<BotFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = factory.CreateClient();
    private FakeConnector _connector = null!;

    public async Task InitializeAsync() => _connector = await FakeConnector.StartAsync();

    public async Task DisposeAsync() => await _connector.DisposeAsync();

    private static readonly string[] KnownFields =
    [
        "type", "id", "timestamp", "localTimestamp", "localTimezone", "serviceUrl", "channelId", "from", "conversation",
        "recipient", "textFormat", "attachmentLayout", "membersAdded", "membersRemoved", "reactionsAdded", "reactionsRemoved",
        "topicName", "locale", "text", "speak", "inputHint", "summary", "suggestedActions", "attachments", "entities",
        "channelData", "action", "replyToId", "label", "valueType", "value", "name", "relatesTo", "code", "expiration",
        "importance", "deliveryMode", "listenFor", "textHighlights", "semanticAction", "callerId",
    ];

    private static readonly string[] Types =
    [
        "message", "conversationUpdate", "typing", "endOfConversation", "event", "invoke", "messageReaction", "messageUpdate",
        "messageDelete", "installationUpdate", "contactRelationUpdate", "deleteUserData", "suggestion", "trace", "handoff",
        "command", "commandResult", "somethingNew",
    ];

    /// <summary>A JSON string literal, escaping everything outside printable ASCII (lone surrogates included).</summary>
    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is >= ' ' and <= '~' and not '"' and not '\\')
            {
                text.Append(c);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
        }
        return text.Append('"').ToString();
    }

    private static readonly Gen<string> Text = Gen.OneOf(Gen.String[0, 12], Gen.Char["abc :@;|/\\\"\u00e9\u4e2d\ud83d\ude00\ud800"].Array[0, 10].Select(chars => new string(chars)));

    private static readonly Gen<string> Key = Gen.OneOf<string>(Text, Gen.OneOf<string>(KnownFields), Gen.OneOf<string>("$type", "$id", "$ref", "properties", "TYPE", ""));

    private static readonly Gen<string> Leaf = Gen.OneOf(
        Gen.OneOf<string>("null", "true", "false", "0", "-1", "1e308", "-0.0", "12345678901234567890", "\"\"", "\"2026-11-24T09:00:00Z\"", "\"ftp://example.invalid/\""),
        Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        Text.Select(Quote));

    private static Gen<string> Value(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency(
            (4, (IGen<string>)Leaf),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Key, Value(depth - 1)).Array[0, 4].Select(pairs => "{" + string.Join(",", pairs.Select(p => Quote(p.Item1) + ":" + p.Item2)) + "}")));

    /// <summary>Any JSON object at all.</summary>
    private static readonly Gen<string> AnyObject = Gen.Select(Key, Value(3)).Array[0, 6]
        .Select(pairs => "{" + string.Join(",", pairs.Select(p => Quote(p.Item1) + ":" + p.Item2)) + "}");

    private static string GoodValue(string field, string serviceUrl, int pick) => field switch
    {
        "type" => Quote(Types[pick % Types.Length]),
        "timestamp" or "localTimestamp" or "expiration" => "\"2026-11-24T10:00:00+01:00\"",
        "serviceUrl" => Quote(serviceUrl),
        "channelId" => "\"emulator\"",
        "from" or "recipient" => """{"id":"user-1","name":"U","role":"user","extra":1}""",
        "conversation" => $$"""{"id":"fuzz-{{pick}}"}""",
        "membersAdded" or "membersRemoved" => """[{"id":"user-1"},{"id":"bot-1"}]""",
        "reactionsAdded" or "reactionsRemoved" => """[{"type":"like"}]""",
        "suggestedActions" => """{"to":["user-1"],"actions":[{"type":"imBack","title":"Yes","value":"yes"}]}""",
        "attachments" => """[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard"}}]""",
        "entities" => """[{"type":"mention","text":"<at>bot</at>"},{"type":"clientInfo","locale":"en-US"}]""",
        "relatesTo" => """{"activityId":"a1","conversation":{"id":"c"},"channelId":"emulator"}""",
        "deliveryMode" => "\"expectReplies\"",
        "listenFor" => """["yes","no"]""",
        "textHighlights" => """[{"text":"order","occurrence":1}]""",
        "semanticAction" => """{"id":"s1","state":"start","entities":{}}""",
        "inputHint" => "\"expecting\"",
        "text" => "\"where is my order?\"",
        "channelData" or "value" => """{"postBack":true,"clientActivityID":"x"}""",
        _ => "\"x\"",
    };

    /// <summary>
    /// An object built around the activity's field names: each field absent or well-typed, up to two of them any JSON
    /// value at all (usually the wrong type), plus unknown fields. Most are expectReplies so the turn runs inside the request.
    /// </summary>
    private Gen<(string Json, bool Invoke)> ActivityShaped(string serviceUrl) => Gen.Select(
        Gen.Bool.Array[KnownFields.Length, KnownFields.Length],
        Gen.Select(Gen.Int[0, KnownFields.Length - 1], Value(2)).Array[0, 2],
        Gen.Int[0, 1000],
        Gen.Int[0, 99],
        Gen.Select(Key, Value(2)).Array[0, 3],
        (present, corrupted, pick, mode, extras) =>
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < KnownFields.Length; i++)
            {
                if (present[i])
                {
                    fields[KnownFields[i]] = GoodValue(KnownFields[i], serviceUrl, pick);
                }
            }
            // Mostly a valid core, so the turn reaches the pipeline.
            if (mode < 85)
            {
                fields["type"] = GoodValue("type", serviceUrl, pick);
                fields["channelId"] = GoodValue("channelId", serviceUrl, pick);
                fields["conversation"] = GoodValue("conversation", serviceUrl, pick);
            }
            if (mode < 80)
            {
                fields["deliveryMode"] = "\"expectReplies\"";
            }
            else if (mode < 95)
            {
                fields.Remove("deliveryMode");
                fields["serviceUrl"] = Quote(serviceUrl); // replies go to the fake Connector on loopback
            }
            foreach (var (index, value) in corrupted)
            {
                fields[KnownFields[index]] = value; // any JSON value, usually the wrong type
            }
            var body = new StringBuilder("{");
            foreach (var (name, value) in fields)
            {
                body.Append(Quote(name)).Append(':').Append(value).Append(',');
            }
            foreach (var (name, value) in extras)
            {
                if (!KnownFields.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    body.Append(Quote(name)).Append(':').Append(value).Append(',');
                }
            }
            if (body[^1] == ',')
            {
                body.Length--;
            }
            var invoke = fields.TryGetValue("type", out var type) && type.Equals("\"invoke\"", StringComparison.OrdinalIgnoreCase);
            return (body.Append('}').ToString(), invoke);
        });

    private async Task AssertNeverA500Async(string json, bool mayBeUnhandledInvoke)
    {
        using var response = await _client.PostAsync(MessagesEndpoint.Path, new StringContent(json, Encoding.UTF8, "application/json"));
        var status = (int)response.StatusCode;
        if (status == StatusCodes400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
            return;
        }
        Assert.True(status == 200 || (status == 501 && mayBeUnhandledInvoke), $"{status} for {json}");
    }

    private const int StatusCodes400 = (int)HttpStatusCode.BadRequest;

    [Fact]
    public Task AnyJsonObjectGets200Or400NeverA500() =>
        AnyObject.SampleAsync(json => AssertNeverA500Async(json, mayBeUnhandledInvoke: true), iter: 300, threads: 1);

    [Fact]
    public Task ActivityShapedObjectsWithWrongTypesGet200Or400NeverA500() =>
        ActivityShaped(_connector.Url).SampleAsync(sample => AssertNeverA500Async(sample.Json, sample.Invoke), iter: 400, threads: 1);
}
