using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using HandoffBot.Hosting;
using HandoffBot.Protocol;

namespace HandoffBot.Tests.Protocol;

public sealed class ActivityProtocolTests
{
    private static Activity Parse(string json)
    {
        var result = ActivityParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.True(result.Error is null, result.Error);
        return result.Activity!;
    }

    private static string Serialize(Activity activity) => JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity);

    private const string TeamsMessage = """
        {
          "type": "message",
          "id": "1732438800000",
          "timestamp": "2026-11-24T09:00:00.1230000Z",
          "localTimestamp": "2026-11-24T10:00:00.123+01:00",
          "serviceUrl": "https://smba.trafficmanager.net/emea/",
          "channelId": "msteams",
          "from": { "id": "29:1abc", "name": "Dana", "aadObjectId": "6b1e", "role": "user", "extra": { "nested": [1, "two", null, true] } },
          "conversation": { "id": "19:abc@thread.skype;messageid=123", "isGroup": true, "conversationType": "channel", "tenantId": "t1", "unknownFlag": false },
          "recipient": { "id": "28:bot", "name": "HandoffBot" },
          "text": "<at>HandoffBot</at> hello",
          "attachments": [ { "contentType": "application/vnd.microsoft.card.adaptive", "content": { "type": "AdaptiveCard", "version": "1.5", "body": [] }, "extraAttachmentField": 7 } ],
          "entities": [
            { "type": "mention", "mentioned": { "id": "28:bot", "name": "HandoffBot" }, "text": "<at>HandoffBot</at>" },
            { "type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London" },
            { "type": "https://schema.org/Message", "@context": "https://schema.org", "@type": "Message" }
          ],
          "channelData": { "tenant": { "id": "t1" }, "team": { "id": "19:team" }, "channel": { "id": "19:chan" }, "eventType": null, "list": [1, 2.5, "x"] },
          "suggestedActions": { "to": ["29:1abc"], "actions": [ { "type": "imBack", "title": "Yes", "value": "yes", "unknownActionField": 1 } ], "extraSuggested": "x" },
          "textHighlights": [ { "text": "hello", "occurrence": 1, "extraHighlight": true } ],
          "value": { "anything": [ { "deep": { "deeper": 1 } } ] },
          "someFutureField": { "a": 1 },
          "anotherFutureField": [ "b", 2 ]
        }
        """;

    [Fact]
    public void UnknownFieldsAtTheTopAndNestedSurviveAParseAndSerialiseRoundTrip()
    {
        var original = JsonNode.Parse(TeamsMessage)!;
        // An explicit null inside channelData is data, not an omitted field: it survives too.
        var roundTripped = JsonNode.Parse(Serialize(Parse(TeamsMessage)))!;

        Assert.True(JsonNode.DeepEquals(original, roundTripped), $"Round trip changed the activity:\n{roundTripped.ToJsonString()}");
    }

    [Fact]
    public void UnknownFieldsAreReachableFromCode()
    {
        var activity = Parse(TeamsMessage);

        Assert.Equal(1, activity.Properties!["someFutureField"].GetProperty("a").GetInt32());
        Assert.Equal("two", activity.From!.Properties!["extra"].GetProperty("nested")[1].GetString());
        Assert.Equal("GB", activity.Entities![1].Properties!["country"].GetString());
    }

    [Fact]
    public void NullsAreOmittedWhenSerialising()
    {
        var json = Serialize(new Activity
        {
            Type = ActivityTypes.Message,
            Text = "hi",
            From = new ChannelAccount { Id = "bot" },
            Conversation = new ConversationAccount { Id = "c" },
        });

        Assert.Equal("""{"type":"message","from":{"id":"bot"},"conversation":{"id":"c"},"text":"hi"}""", json);
    }

    [Theory]
    [InlineData("2026-11-24T10:00:00+01:00", "2026-11-24T09:00:00.0000000Z")]
    [InlineData("2026-11-24T09:00:00.5Z", "2026-11-24T09:00:00.5000000Z")]
    [InlineData("2026-11-23T22:30:00-10:30", "2026-11-24T09:00:00.0000000Z")]
    public void TimestampsAreWrittenAsUtcWithZ(string received, string written)
    {
        var activity = Parse($$"""{"type":"message","channelId":"e","conversation":{"id":"c"},"deliveryMode":"expectReplies","timestamp":"{{received}}","expiration":"{{received}}"}""");

        using var document = JsonDocument.Parse(Serialize(activity));
        Assert.Equal(written, document.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal(written, document.RootElement.GetProperty("expiration").GetString());
    }

    [Fact]
    public void LocalTimestampKeepsTheSendersOffset()
    {
        var activity = Parse("""{"type":"message","channelId":"e","conversation":{"id":"c"},"deliveryMode":"expectReplies","localTimestamp":"2026-11-24T10:00:00+01:00"}""");

        Assert.Contains("\"localTimestamp\":\"2026-11-24T10:00:00+01:00\"", Serialize(activity), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("accepting", InputHints.AcceptingInput)]
    [InlineData("EXPECTING", InputHints.ExpectingInput)]
    [InlineData("ignoring", InputHints.IgnoringInput)]
    [InlineData("expectingInput", InputHints.ExpectingInput)]
    [InlineData("somethingNew", "somethingNew")]
    public void InputHintShortFormsAreNormalised(string received, string expected) =>
        Assert.Equal(expected, Parse($$"""{"type":"message","channelId":"e","conversation":{"id":"c"},"deliveryMode":"expectReplies","inputHint":"{{received}}"}""").InputHint);

    [Theory]
    [InlineData("not json", "malformed JSON at line 1")]
    [InlineData("{\"type\":\"message\",}", "malformed JSON")]
    [InlineData("{\"type\":\"message\"} trailing", "malformed JSON")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"text":5}""", "at $.text: a field has the wrong JSON type")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"from":"me"}""", "at $.from: a field has the wrong JSON type")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"timestamp":42}""", "at $.timestamp: Timestamps must be ISO-8601 strings.")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"timestamp":"yesterday"}""", "at $.timestamp")]
    [InlineData("""{"type":"conversationUpdate","channelId":"e","conversation":{"id":"c"},"membersAdded":[null]}""", "'membersAdded' contains a null entry")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"entities":[{"type":"mention"},null]}""", "'entities' contains a null entry")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"}}""", "no 'serviceUrl'")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"serviceUrl":"ftp://x/"}""", "not an absolute http(s) URL")]
    public void ParseErrorsSayWhatIsWrong(string body, string expected)
    {
        var result = ActivityParser.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(result.Activity);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"channelData":{"x":"\ud800"}}""")]
    [InlineData("""{"type":"message","channelId":"e","conversation":{"id":"c"},"someField":{"\ude00":1}}""")]
    public void AStringThatIsNotValidUnicodeAnywhereIsRefusedBeforeItCanBeStored(string body)
    {
        var result = ActivityParser.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(result.Activity);
        Assert.Contains("not valid Unicode", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8BytesInAKeptFieldAreRefused()
    {
        var body = Encoding.UTF8.GetBytes("""{"type":"message","channelId":"e","conversation":{"id":"c"},"deliveryMode":"expectReplies","value":"AB"}""");
        var at = Array.IndexOf(body, (byte)'A');
        body[at] = 0xC3; // a lead byte followed by 'B' is not UTF-8
        var result = ActivityParser.Parse(body);

        Assert.Null(result.Activity);
        Assert.Contains("not valid Unicode", result.Error, StringComparison.Ordinal);
    }

    private static readonly Activity Incoming = new()
    {
        Type = ActivityTypes.Message,
        Id = "in-1",
        Timestamp = new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero),
        ServiceUrl = "https://smba.example/amer/",
        ChannelId = "msteams",
        From = new ChannelAccount { Id = "29:user", Name = "Dana", Role = RoleTypes.User },
        Recipient = new ChannelAccount { Id = "28:bot", Name = "HandoffBot" },
        Conversation = new ConversationAccount { Id = "19:abc@thread.skype", TenantId = "t1" },
        Locale = "en-GB",
        Text = "hello",
    };

    [Fact]
    public void CreateReplySwapsFromAndRecipientAndCopiesTheAddress()
    {
        var reply = Incoming.CreateReply("hi there");

        Assert.Equal(ActivityTypes.Message, reply.Type);
        Assert.Equal("28:bot", reply.From?.Id);
        Assert.Equal(RoleTypes.Bot, reply.From?.Role);
        Assert.Equal(Incoming.From, reply.Recipient);
        Assert.Equal(Incoming.Conversation, reply.Conversation);
        Assert.Equal("msteams", reply.ChannelId);
        Assert.Equal("https://smba.example/amer/", reply.ServiceUrl);
        Assert.Equal("in-1", reply.ReplyToId);
        Assert.Equal("en-GB", reply.Locale);
        Assert.Equal("hi there", reply.Text);
        Assert.Null(reply.Id);
        Assert.Null(reply.Timestamp);
        using var json = JsonDocument.Parse(Serialize(reply));
        Assert.False(json.RootElement.TryGetProperty("id", out _));
        Assert.False(json.RootElement.TryGetProperty("timestamp", out _));
    }

    [Fact]
    public void GetConversationReferenceCapturesTheAddress()
    {
        var reference = Incoming.GetConversationReference();

        Assert.Equal("in-1", reference.ActivityId);
        Assert.Equal(Incoming.From, reference.User);
        Assert.Equal(Incoming.Recipient, reference.Bot);
        Assert.Equal(Incoming.Conversation, reference.Conversation);
        Assert.Equal("msteams", reference.ChannelId);
        Assert.Equal("https://smba.example/amer/", reference.ServiceUrl);
        Assert.Equal("en-GB", reference.Locale);
    }

    [Fact]
    public void ApplyingAReferenceAddressesAProactiveMessageFromTheBotToTheUser()
    {
        var reference = Incoming.GetConversationReference();

        var outgoing = new Activity { Type = ActivityTypes.Message, Text = "your agent is here" }.ApplyConversationReference(reference);

        Assert.Equal(reference.Bot, outgoing.From);
        Assert.Equal(reference.User, outgoing.Recipient);
        Assert.Equal(reference.Conversation, outgoing.Conversation);
        Assert.Equal("msteams", outgoing.ChannelId);
        Assert.Equal("https://smba.example/amer/", outgoing.ServiceUrl);
        Assert.Equal("in-1", outgoing.ReplyToId);
        Assert.Equal("en-GB", outgoing.Locale);
        Assert.Null(outgoing.Id);
        Assert.Equal("your agent is here", outgoing.Text);
    }

    [Fact]
    public void ApplyingAReferenceAsIncomingAddressesItFromTheUserToTheBot()
    {
        var reference = Incoming.GetConversationReference();

        var continuation = new Activity { Type = ActivityTypes.Event, Name = "ContinueConversation" }.ApplyConversationReference(reference, isIncoming: true);

        Assert.Equal(reference.User, continuation.From);
        Assert.Equal(reference.Bot, continuation.Recipient);
        Assert.Equal("in-1", continuation.Id);
        Assert.Equal(reference.Conversation, continuation.Conversation);
        Assert.Equal("https://smba.example/amer/", continuation.ServiceUrl);
    }

    [Fact]
    public void AConversationReferenceRoundTripsThroughJson()
    {
        var reference = Incoming.GetConversationReference();

        var json = JsonSerializer.Serialize(reference, ProtocolJsonContext.Default.ConversationReference);
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.ConversationReference)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, ProtocolJsonContext.Default.ConversationReference));
        Assert.Contains("\"activityId\":\"in-1\"", json, StringComparison.Ordinal);
    }
}
