using HandoffBot.Storage.Postgres;
using HandoffBot.Tests.Storage.Contracts;
using Npgsql;

namespace HandoffBot.Tests.Storage;

/// <summary>Two instances on one database: a turn of a conversation waits while the other instance runs one of the same conversation.</summary>
public sealed class PostgresConversationLeaseTests : IAsyncLifetime
{
    private PostgresTestDatabase _test = null!;
    private PostgresDatabase _other = null!;

    public async Task InitializeAsync()
    {
        _test = await PostgresTestDatabase.CreateAsync(TimeProvider.System);
        _other = PostgresTestDatabase.Open(_test.ConnectionString, TimeProvider.System, [], "instance-b");
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _test.DisposeAsync();
    }

    /// <summary>Waits until the database shows <paramref name="count"/> advisory lock requests not granted (a turn waiting in PostgreSQL).</summary>
    private async Task WaitingInTheDatabaseAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var connection = new NpgsqlConnection(_test.ConnectionString);
        await connection.OpenAsync(deadline.Token);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", connection);
        while ((long)(await command.ExecuteScalarAsync(deadline.Token))! != count)
        {
            await Task.Yield();
        }
    }

    [Fact]
    public async Task ATurnOfTheSameConversationOnAnotherInstanceWaitsUntilTheFirstEnds()
    {
        var instanceA = new PostgresConversationLease(_test.Database);
        var instanceB = new PostgresConversationLease(_other);
        var key = $"emulator/conversations/{Guid.NewGuid():N}";

        var first = await instanceA.AcquireAsync(key, CancellationToken.None);
        var second = instanceB.AcquireAsync(key, CancellationToken.None).AsTask();
        await WaitingInTheDatabaseAsync(1);

        await using (await instanceB.AcquireAsync(key + "/other", CancellationToken.None))
        {
            Assert.False(second.IsCompleted); // another conversation runs; this one still waits
        }
        await first!.DisposeAsync();
        await using var secondLease = await second;
        Assert.NotNull(secondLease);
        await WaitingInTheDatabaseAsync(0);
    }
}
