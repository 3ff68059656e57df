using HandoffBot.Routing;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Routing;

/// <summary>The agent directory contract on SQLite: each <see cref="Start"/> is a new process over the same database.</summary>
public sealed class SqliteAgentDirectoryTests : AgentDirectoryContract, IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly List<SqliteAgentDirectory> _started = [];

    public SqliteAgentDirectoryTests()
    {
        var options = Options.Create(new StorageOptions { SqliteConnectionString = $"Data Source=agents-{Guid.NewGuid():N};Mode=Memory;Cache=Shared" });
        _database = new SqliteDatabase(options, [new SqliteAgentDirectory.Schema()], new HostingEnvironment { ContentRootPath = AppContext.BaseDirectory }, Time);
    }

    protected override IAgentDirectory Start(params RoutingAgentOptions[] roster)
    {
        var directory = new SqliteAgentDirectory(_database, Options.Create(new RoutingOptions { Agents = [.. roster] }), Time);
        _started.Add(directory);
        return directory;
    }

    public void Dispose()
    {
        _started.ForEach(d => d.Dispose());
        _database.Dispose();
    }
}
