using BenchmarkDotNet.Attributes;
using HandoffBot.Hosting;
using HandoffBot.Protocol;

namespace HandoffBot.Benchmarks;

/// <summary>
/// One expectReplies turn in process through the bot exactly as Program.cs composes it (the real host, built by
/// WebApplicationFactory&lt;Program&gt;): the channel adapter, the pipeline (error handling, transcript,
/// conversation state, assistant) and the SQLite file store in WAL mode in a fresh temporary folder.
/// Each conversation gets eight questions, then the next conversation starts, so state stays realistic in size.
/// </summary>
[MemoryDiagnoser]
public class TurnBenchmarks
{
    private static readonly string[] Questions =
    [
        "where is my order?", "how do I return a jacket that does not fit", "when will I get my refund",
        "can I pay with PayPal", "I forgot my password", "how long does delivery take to Scotland",
        "can I change the delivery address of my order", "do you ship internationally",
    ];

    private BenchmarkHost _host = null!;
    private ChannelAdapter _adapter = null!;
    private int _turn;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = new BenchmarkHost("handoffbot-bench-");
        _adapter = _host.Service<ChannelAdapter>();
        await TurnAsync(); // creates the schema
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

    [Benchmark]
    public async Task<int> ExpectRepliesTurnWithSqliteFileStore()
    {
        var outcome = await TurnAsync();
        return outcome is TurnOutcome.Replies { Activities.Count: > 0 } replies ? replies.Activities.Count : throw new InvalidOperationException("The turn sent no reply.");
    }

    private Task<TurnOutcome> TurnAsync()
    {
        var n = _turn++;
        var activity = new Activity
        {
            Type = ActivityTypes.Message,
            Id = $"m-{n}",
            ChannelId = "emulator",
            DeliveryMode = DeliveryModes.ExpectReplies,
            Conversation = new ConversationAccount { Id = $"bench-{n / 8}" },
            From = new ChannelAccount { Id = "customer", Name = "Customer", Role = RoleTypes.User },
            Recipient = new ChannelAccount { Id = "bot", Name = "HandoffBot", Role = RoleTypes.Bot },
            Locale = "en-US",
            Text = Questions[n % Questions.Length],
        };
        return _adapter.ProcessAsync(activity, caller: null, CancellationToken.None);
    }
}
