using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Support;

/// <summary>A temporary data folder for bots that restart on the same SQLite file; deleted (pools cleared) on dispose.</summary>
public sealed class TempDataFolder(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}

/// <summary>
/// A bot on a data folder (a SQLite file that survives its "process") whose turn store signals each commit; with
/// <c>dieBeforeCommit</c> the commit that finishes an inbox item never happens (<see cref="DyingTurnStore"/>).
/// </summary>
public static class DurableBot
{
    public static (BotFactory Factory, SignallingTurnStore Commits) Start(string dataFolder, bool dieBeforeCommit, Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        SignallingTurnStore? commits = null;
        var factory = new BotFactory()
            .With("Storage:SqliteConnectionString", null)
            .With("Storage:DataFolder", dataFolder)
            .WithServices(collection =>
            {
                services(collection);
                collection.AddSingleton<ITurnStore>(sp =>
                {
                    ITurnStore store = ActivatorUtilities.CreateInstance<SqliteTurnStore>(sp);
                    return commits = new SignallingTurnStore(dieBeforeCommit ? new DyingTurnStore(store) : store);
                });
            });
        foreach (var (key, value) in settings)
        {
            factory.With(key, value);
        }
        _ = factory.Services.GetRequiredService<ITurnStore>();
        return (factory, commits!);
    }
}
