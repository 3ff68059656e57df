using HandoffBot.Routing;
using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HandoffBot.Tests.Storage;

/// <summary>
/// Routing ownership on a shared PostgreSQL: of the instances of one schema exactly one owns routing; when its session
/// ends (its process died, or it stopped) another instance takes ownership at its next check, and the old owner,
/// should it still run, knows it is no longer the owner.
/// </summary>
public sealed class PostgresRoutingOwnershipTests : IDisposable
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _schemas = [];
    private readonly List<PostgresRoutingOwnership> _instances = [];
    private readonly List<PostgresDatabase> _databases = [];

    /// <summary>An instance's pooled database on the schema (the routing term is raised through it).</summary>
    private PostgresDatabase Database(string connectionString, string name)
    {
        var database = PostgresTestDatabase.Open(connectionString, TimeProvider.System, [new PostgresRoutingOwnership.Schema()], $"{name}-{_run}");
        _databases.Add(database);
        return database;
    }

    /// <summary>Whether a decision carrying <paramref name="term"/> would be stored now.</summary>
    private Task<bool> FenceHoldsAsync(string connectionString, long term) =>
        Database(connectionString, "fence").WriteAsync(session => PostgresRoutingFence.HoldsAsync(session, term), CancellationToken.None);

    private string Schema()
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        _schemas.Add(schema);
        return connectionString;
    }

    private PostgresRoutingOwnership Instance(string connectionString, string name)
    {
        var instance = new PostgresRoutingOwnership(
            Options.Create(new PostgresOptions { ConnectionString = connectionString, InstanceName = $"{name}-{_run}" }),
            Options.Create(new RoutingOptions()), Database(connectionString, name), NullLogger<PostgresRoutingOwnership>.Instance);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>Ends an instance's ownership session server-side, as when its process is killed, and waits until it is gone.</summary>
    private async Task<int> KillSessionAsync(string name)
    {
        await using var admin = new NpgsqlConnection(PostgresTestDatabase.ServerConnectionString);
        await admin.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE killed) FROM (SELECT pg_terminate_backend(pid, 5000) AS killed FROM pg_stat_activity WHERE application_name = @name) AS s", admin);
        kill.Parameters.AddWithValue("name", PostgresRoutingOwnership.ApplicationNameOf($"{name}-{_run}"));
        return Convert.ToInt32(await kill.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task OfInstancesContendingOnOneSchemaExactlyOneOwnsRoutingAndKeepsIt()
    {
        var schema = Schema();
        var instances = new[] { Instance(schema, "a"), Instance(schema, "b"), Instance(schema, "c") };

        var first = await Task.WhenAll(instances.Select(i => i.CheckAsync(CancellationToken.None)));
        Assert.Single(first, owner => owner);
        var owner = instances[Array.IndexOf(first, true)];
        for (var round = 0; round < 3; round++)
        {
            var again = await Task.WhenAll(instances.Select(i => i.CheckAsync(CancellationToken.None)));
            Assert.Equal(instances.Select(i => i == owner), again);
        }

        // Another deployment in another schema of the same database has its own owner.
        Assert.True(await Instance(Schema(), "other").CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WhenTheOwnersSessionDiesTheOtherTakesOverAtItsNextCheckAndTheOldOwnerStepsDown()
    {
        var schema = Schema();
        var a = Instance(schema, "a");
        var b = Instance(schema, "b");
        Assert.True(await a.CheckAsync(CancellationToken.None));
        Assert.False(await b.CheckAsync(CancellationToken.None));

        Assert.Equal(1, await KillSessionAsync("a"));

        Assert.True(await b.CheckAsync(CancellationToken.None));
        Assert.True(b.IsOwner);
        Assert.False(await a.CheckAsync(CancellationToken.None)); // its ping fails: it stops deciding
        Assert.False(a.IsOwner);
        Assert.False(await a.CheckAsync(CancellationToken.None)); // a new session, but b holds the lock
        Assert.True(await b.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EveryTakeoverStartsAHigherTermAndOnlyTheCurrentOwnersTermPassesTheFence()
    {
        var schema = Schema();
        var a = Instance(schema, "a");
        var b = Instance(schema, "b");
        Assert.True(await a.CheckAsync(CancellationToken.None));
        var first = a.Term;
        Assert.True(await FenceHoldsAsync(schema, first));

        Assert.Equal(1, await KillSessionAsync("a"));
        Assert.True(await b.CheckAsync(CancellationToken.None));

        // a has not checked yet and still believes it owns routing: its decisions are refused from now on.
        Assert.True(a.IsOwner);
        Assert.True(b.Term > first);
        Assert.False(await FenceHoldsAsync(schema, first));
        Assert.True(await FenceHoldsAsync(schema, b.Term));

        await b.DisposeAsync();
        Assert.True(await a.CheckAsync(CancellationToken.None)); // its old session is dead; a new one takes the free lock
        Assert.True(a.Term > b.Term);
        Assert.True(await FenceHoldsAsync(schema, a.Term));
    }

    [Fact]
    public async Task AnOwnerThatStopsHandsOwnershipOverAtTheOthersNextCheck()
    {
        var schema = Schema();
        var a = Instance(schema, "a");
        var b = Instance(schema, "b");
        Assert.True(await a.CheckAsync(CancellationToken.None));
        Assert.False(await b.CheckAsync(CancellationToken.None));

        await a.DisposeAsync();

        Assert.True(await b.CheckAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        foreach (var instance in _instances)
        {
            instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        foreach (var database in _databases)
        {
            database.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        foreach (var schema in _schemas)
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }
}
