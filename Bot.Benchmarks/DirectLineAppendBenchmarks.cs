using BenchmarkDotNet.Attributes;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The Direct Line append path (what every user message and bot reply on Direct Line goes through): the hub gives the
/// activity its position, id and timestamp, stores it in the SQLite file store (WAL, the writer's group commit) and
/// pushes it to the conversation's stream (none is open here). Conversations of 50 activities each, one after another.
/// </summary>
[MemoryDiagnoser]
public class DirectLineAppendBenchmarks
{
    private WebApplicationFactory<Program> _factory = null!;
    private DirectLineHub _hub = null!;
    private IDirectLineStore _store = null!;
    private string _dataFolder = null!;
    private int _n;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _dataFolder = Directory.CreateTempSubdirectory("handoffbot-bench-dl-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseEnvironment("Production")
            .UseSetting("Storage:DataFolder", _dataFolder)
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning)));
        _hub = _factory.Services.GetRequiredService<DirectLineHub>();
        _store = _factory.Services.GetRequiredService<IDirectLineStore>();
        await AppendAsync(); // creates the schema
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _factory.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataFolder, recursive: true);
    }

    [Benchmark]
    public async Task<string?> AppendOneActivityWithSqliteFileStore() => (await AppendAsync()).Id;

    private async Task<Activity> AppendAsync()
    {
        var n = _n++;
        var conversation = $"bench-dl-{n / 50}";
        if (n % 50 == 0)
        {
            await _store.CreateConversationAsync(conversation, "dl_bench", DateTimeOffset.UnixEpoch, CancellationToken.None);
        }
        return await _hub.AppendAsync(conversation, new Activity
        {
            Type = ActivityTypes.Message,
            From = new ChannelAccount { Id = "dl_bench", Role = RoleTypes.User },
            Text = "where is my order? it was due on Tuesday",
            ChannelData = System.Text.Json.JsonDocument.Parse("""{"clientActivityID":"client-1"}""").RootElement,
        }, CancellationToken.None);
    }
}
