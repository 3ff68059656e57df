using System.Text;

namespace HandoffBot.Benchmarks;

/// <summary>Activities as real clients send them, byte for byte in shape (ids and names made up).</summary>
internal static class ActivitySamples
{
    /// <summary>A message from the Bot Framework Emulator (v4), with its clientCapabilities entity and channelData.</summary>
    public static readonly byte[] EmulatorMessage = Encoding.UTF8.GetBytes("""
        {
          "text": "Hi, I ordered a jacket last week and it still hasn't arrived. Where is my order?",
          "textFormat": "plain",
          "type": "message",
          "channelData": {
            "clientActivityID": "1764000000000m2x9q1k7a8c",
            "clientTimestamp": "2026-11-24T09:00:00.000Z"
          },
          "from": { "id": "5c2d7a4e-1f3b-4c8d-9e6a-0b7f2d1c3e4a", "name": "User", "role": "user" },
          "locale": "en-US",
          "localTimestamp": "2026-11-24T10:00:00+01:00",
          "localTimezone": "Europe/Berlin",
          "attachments": [],
          "entities": [
            { "requiresBotState": true, "supportsListening": true, "supportsTts": true, "type": "ClientCapabilities" }
          ],
          "conversation": { "id": "8a1b2c3d-4e5f-11f0-9a7b-3d2c1b0a9f8e|livechat" },
          "id": "9b2c3d4e-4e5f-11f0-8c6d-5e4f3a2b1c0d",
          "recipient": { "id": "0f1e2d3c-4b5a-11f0-8e7f-6a5b4c3d2e1f", "name": "Bot", "role": "bot" },
          "timestamp": "2026-11-24T09:00:00.123Z",
          "channelId": "emulator",
          "serviceUrl": "http://localhost:52345"
        }
        """);

    /// <summary>A Teams channel message that @mentions the bot: mention and clientInfo entities, Teams channelData.</summary>
    public static readonly byte[] TeamsMessage = Encoding.UTF8.GetBytes("""
        {
          "text": "<at>HandoffBot</at> my refund for order 10023 has not shown up on my card yet",
          "textFormat": "plain",
          "attachments": [
            { "contentType": "text/html", "content": "<div><div><span itemscope=\"\" itemtype=\"http://schema.skype.com/Mention\" itemid=\"0\">HandoffBot</span> my refund for order 10023 has not shown up on my card yet</div></div>" }
          ],
          "type": "message",
          "timestamp": "2026-11-24T09:00:00.4567891Z",
          "localTimestamp": "2026-11-24T10:00:00.4567891+01:00",
          "id": "1764000000456",
          "channelId": "msteams",
          "serviceUrl": "https://smba.trafficmanager.net/emea/",
          "from": {
            "id": "29:1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ-aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "name": "Alex Wilber",
            "aadObjectId": "6e5d4c3b-2a19-4f8e-9d7c-6b5a4f3e2d1c"
          },
          "conversation": {
            "isGroup": true,
            "conversationType": "channel",
            "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "id": "19:4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d@thread.tacv2;messageid=1764000000456"
          },
          "recipient": { "id": "28:0f1e2d3c-4b5a-11f0-8e7f-6a5b4c3d2e1f", "name": "HandoffBot" },
          "entities": [
            {
              "mentioned": { "id": "28:0f1e2d3c-4b5a-11f0-8e7f-6a5b4c3d2e1f", "name": "HandoffBot" },
              "text": "<at>HandoffBot</at>",
              "type": "mention"
            },
            { "locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London", "type": "clientInfo" }
          ],
          "channelData": {
            "teamsChannelId": "19:4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d@thread.tacv2",
            "teamsTeamId": "19:1f2e3d4c5b6a7980a1b2c3d4e5f60718@thread.tacv2",
            "channel": { "id": "19:4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d@thread.tacv2", "name": "Customer care" },
            "team": { "id": "19:1f2e3d4c5b6a7980a1b2c3d4e5f60718@thread.tacv2", "name": "Northwind Support", "aadGroupId": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" },
            "tenant": { "id": "72f988bf-86f1-41af-91ab-2d7cd011db47" }
          },
          "locale": "en-GB",
          "localTimezone": "Europe/London"
        }
        """);
}
