using BenchmarkDotNet.Attributes;
using HandoffBot.Hosting;
using HandoffBot.Protocol;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    private WebApplicationFactory<Program> _factory = null!;
    private ChannelAdapter _adapter = null!;
    private string _dataFolder = null!;
    private int _turn;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dataFolder = Directory.CreateTempSubdirectory("handoffbot-bench-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseEnvironment("Production")
            .UseSetting("Storage:DataFolder", _dataFolder)
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
        _adapter = _factory.Services.GetRequiredService<ChannelAdapter>();
        await TurnAsync(); // creates the schema
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataFolder, recursive: true);
    }

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
