using System.Net.Sockets;
using HandoffBot.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace HandoffBot.Tests.Storage;

/// <summary>Which failures mean "the database is away" (503 + Retry-After, the queued turn runs again) and which do not.</summary>
public sealed class StorageFaultsTests
{
    [Theory]
    [InlineData("57P01", true)] // admin_shutdown: pg_ctl stop -m fast
    [InlineData("57P02", true)] // crash_shutdown
    [InlineData("57P03", true)] // cannot_connect_now: the server is starting
    [InlineData("08006", true)] // connection_failure
    [InlineData("40001", false)] // serialization failure: the state check's business, not an outage
    [InlineData("23505", false)] // unique violation
    [InlineData("42P01", false)] // undefined table: a bug or a missing migration, a retry does not cure it
    public void APostgresErrorIsAnOutageOnlyForShutdownAndConnectionStates(string sqlState, bool unavailable) =>
        Assert.Equal(unavailable, StorageFaults.IsUnavailable(new PostgresException("failed", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void ARefusedOrCutConnectionIsAnOutageAlsoWhenWrapped()
    {
        Assert.True(StorageFaults.IsUnavailable(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(StorageFaults.IsUnavailable(new InvalidOperationException("turn failed", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()))));
        Assert.False(StorageFaults.IsUnavailable(new NpgsqlException("bad input")));
        Assert.False(StorageFaults.IsUnavailable(new InvalidOperationException("a bug")));
    }

    [Fact]
    public void SqliteBusyBeyondItsTimeoutIsAnOutageButAConstraintIsNot()
    {
        Assert.True(StorageFaults.IsUnavailable(new SqliteException("database is locked", 5)));
        Assert.False(StorageFaults.IsUnavailable(new SqliteException("constraint failed", 19)));
    }
}
