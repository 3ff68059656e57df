using BenchmarkDotNet.Attributes;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Protocol;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The Direct Line append path (what every user message and bot reply on Direct Line goes through): the hub gives the
/// activity its position, id and timestamp, stores it in the SQLite file store (WAL, the writer's group commit) and
/// pushes it to the conversation's stream (none is open here). Conversations of 50 activities each, one after another.
/// </summary>
[MemoryDiagnoser]
public class DirectLineAppendBenchmarks
{
    private BenchmarkHost _host = null!;
    private DirectLineHub _hub = null!;
    private IDirectLineStore _store = null!;
    private int _n;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = new BenchmarkHost("handoffbot-bench-dl-");
        _hub = _host.Service<DirectLineHub>();
        _store = _host.Service<IDirectLineStore>();
        await AppendAsync(); // creates the schema
    }

    [GlobalCleanup]
    public void Cleanup() => _host.Dispose();

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
