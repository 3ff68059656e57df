using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HandoffBot.Protocol;
using Activity = HandoffBot.Protocol.Activity;

namespace HandoffBot.Load;

/// <summary>
/// A customer on the bot's own Direct Line, as Web Chat in polling mode: starts a conversation with the secret
/// (<c>POST /v3/directline/conversations</c>), posts messages with the conversation's token
/// (<c>POST .../activities</c>, the returned id is the turn's) and reads the history by watermark
/// (<c>GET .../activities?watermark=</c>). The bot may be replaced (killed and restarted on another port): every
/// call goes to <see cref="Bot"/> of the moment.
/// </summary>
internal sealed class DirectLineCustomer
{
    private readonly Func<Uri> _bot;
    private long _watermark;

    private DirectLineCustomer(Func<Uri> bot, string conversationId, string token) => (_bot, ConversationId, Token) = (bot, conversationId, token);

    public string ConversationId { get; }

    public string Token { get; }

    /// <summary>The watermark of the last read (the highest position seen).</summary>
    public long Watermark => Volatile.Read(ref _watermark);

    private Uri Bot => _bot();

    public static async Task<DirectLineCustomer> StartAsync(HttpClient http, Func<Uri> bot, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bot(), "v3/directline/conversations"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new DirectLineCustomer(bot, body.RootElement.GetProperty("conversationId").GetString()!, body.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>Posts a message; its activity id when the bot answered 200, else the reason.</summary>
    public async Task<(string? Id, string? Refused)> SaysAsync(HttpClient http, string text)
    {
        using var request = Request(HttpMethod.Post, $"v3/directline/conversations/{ConversationId}/activities");
        request.Content = new StringContent(JsonSerializer.Serialize(new Activity { Type = ActivityTypes.Message, Text = text }, ProtocolJsonContext.Default.Activity), Encoding.UTF8, "application/json");
        try
        {
            using var response = await http.SendAsync(request);
            if (response.StatusCode != System.Net.HttpStatusCode.OK)
            {
                return (null, $"{ConversationId}: {(int)response.StatusCode}");
            }
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (body.RootElement.GetProperty("id").GetString(), null);
        }
        catch (HttpRequestException exception)
        {
            return (null, $"{ConversationId}: {exception.Message}");
        }
    }

    /// <summary>The bot's activities after <see cref="Watermark"/> (moving it on); none while the bot is away.</summary>
    public async Task<IReadOnlyList<(long Position, Activity Activity)>> ReadNewAsync(HttpClient http)
    {
        try
        {
            var read = await ReadAfterAsync(http, Watermark);
            if (read.Count > 0)
            {
                Volatile.Write(ref _watermark, read[^1].Position);
            }
            return read;
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>Every activity of the conversation after <paramref name="watermark"/> (the user's echoes too), with its position.</summary>
    public async Task<IReadOnlyList<(long Position, Activity Activity)>> ReadAfterAsync(HttpClient http, long watermark)
    {
        var all = new List<(long, Activity)>();
        while (true)
        {
            using var request = Request(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"v3/directline/conversations/{ConversationId}/activities?watermark={watermark}"));
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            using var set = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var activities = set.RootElement.GetProperty("activities").EnumerateArray().Select(a => a.Deserialize(ProtocolJsonContext.Default.Activity)!).ToList();
            var next = long.Parse(set.RootElement.GetProperty("watermark").GetString() ?? "0", CultureInfo.InvariantCulture);
            if (activities.Count == 0 || next <= watermark)
            {
                return all;
            }
            // Positions are dense and the page ends at the watermark: the i-th activity is at next - count + 1 + i.
            var first = next - activities.Count + 1;
            all.AddRange(activities.Select((a, i) => (first + i, a)));
            watermark = next;
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(Bot, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }
}
