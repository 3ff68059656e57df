using HandoffBot.Storage;
using Npgsql;

namespace HandoffBot.Tests.Support;

/// <summary>
/// A conversation's PostgreSQL turn lock (the advisory lock <c>PostgresConversationLease</c> takes) held by the test on a
/// connection of its own, so the bot's next turn of that conversation waits; released when disposed.
/// </summary>
public sealed class HeldTurnLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private HeldTurnLock(NpgsqlConnection connection) => _connection = connection;

    public static async Task<HeldTurnLock> TakeAsync(string connectionString, string channel, string conversation)
    {
        // Unpooled: disposing it ends the session, and the lock with it (a pooled connection would keep holding it).
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var hold = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", connection);
        hold.Parameters.AddWithValue("key", "handoffbot.turn/" + StateKeys.Conversation(channel, conversation));
        await hold.ExecuteNonQueryAsync();
        return new HeldTurnLock(connection);
    }

    /// <summary>Until a turn of the bot waits for this lock (a bounded poll on the server's state).</summary>
    public async Task WaitForWaiterAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var waiting = new NpgsqlCommand("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", _connection);
        while ((long)(await waiting.ExecuteScalarAsync(timeout.Token))! == 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), timeout.Token);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
