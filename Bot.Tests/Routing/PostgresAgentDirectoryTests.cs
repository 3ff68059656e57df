using HandoffBot.Routing;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Routing;

/// <summary>The agent directory contract on PostgreSQL: each <see cref="Start"/> is a new process over the same database.</summary>
public sealed class PostgresAgentDirectoryTests : AgentDirectoryContract, IAsyncLifetime
{
    private readonly List<PostgresAgentDirectory> _started = [];
    private PostgresTestDatabase? _test;

    public async Task InitializeAsync() => _test = await PostgresTestDatabase.CreateAsync(Time, new PostgresAgentDirectory.Schema());

    protected override IAgentDirectory Start(params RoutingAgentOptions[] roster)
    {
        var directory = new PostgresAgentDirectory(_test!.Database, Options.Create(new RoutingOptions { Agents = [.. roster] }), Time);
        _started.Add(directory);
        return directory;
    }

    public async Task DisposeAsync()
    {
        _started.ForEach(d => d.Dispose());
        if (_test is not null)
        {
            await _test.DisposeAsync();
        }
    }
}
