using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Storage;

public sealed class ConversationStateConcurrencyTests(BotFactory factory) : IClassFixture<BotFactory>
{
    private readonly IConversationStateStore _store = factory.Services.GetRequiredService<IConversationStateStore>();

    private static string NewKey() => StateKeys.Conversation("test", $"race-{Guid.NewGuid():N}");

    private static async Task<(int Succeeded, int Conflicts)> RaceAsync(Func<Task>[] writers)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = writers.Select(async write =>
        {
            await start.Task;
            try
            {
                await write();
                return true;
            }
            catch (StateConflictException)
            {
                return false;
            }
        }).ToList();
        start.SetResult();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        return (results.Count(ok => ok), results.Count(ok => !ok));
    }

    [Fact]
    public async Task TwoWritersAtTheSameVersionCannotBothWinAndNoUpdateIsLost()
    {
        var key = NewKey();
        var version = await _store.WriteAsync(key, """{"n":0}""", null, CancellationToken.None);

        var (succeeded, conflicts) = await RaceAsync(
        [
            () => _store.WriteAsync(key, """{"n":"first"}""", version, CancellationToken.None),
            () => _store.WriteAsync(key, """{"n":"second"}""", version, CancellationToken.None),
        ]);
        var stored = await _store.ReadAsync(key, CancellationToken.None);

        Assert.Equal(1, succeeded);
        Assert.Equal(1, conflicts);
        Assert.Equal(version + 1, stored!.Version);
        Assert.Contains(stored.Json, new[] { """{"n":"first"}""", """{"n":"second"}""" });
    }

    [Fact]
    public async Task TwoWritersCreatingTheSameStateCannotBothWin()
    {
        var key = NewKey();

        var (succeeded, conflicts) = await RaceAsync(
        [
            () => _store.WriteAsync(key, """{"who":"a"}""", null, CancellationToken.None),
            () => _store.WriteAsync(key, """{"who":"b"}""", null, CancellationToken.None),
        ]);

        Assert.Equal(1, succeeded);
        Assert.Equal(1, conflicts);
        Assert.Equal(1, (await _store.ReadAsync(key, CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task AWriterHoldingAStaleVersionIsRefused()
    {
        var key = NewKey();
        var first = await _store.WriteAsync(key, "{}", null, CancellationToken.None);
        await _store.WriteAsync(key, """{"changed":true}""", first, CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<StateConflictException>(() => _store.WriteAsync(key, """{"stale":true}""", first, CancellationToken.None));

        Assert.Equal(key, conflict.Key);
        Assert.Equal("""{"changed":true}""", (await _store.ReadAsync(key, CancellationToken.None))!.Json);
    }
}
