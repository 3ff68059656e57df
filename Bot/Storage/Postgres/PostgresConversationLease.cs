using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The turns of one conversation never run at once across instances: a turn holds a transaction-scoped advisory lock on
/// its conversation key (on a connection of its own, in a transaction that writes nothing) until it has committed. If
/// the instance dies the connection closes and the lock is gone; another instance's turn of that conversation then
/// starts from the committed state.
/// </summary>
internal sealed class PostgresConversationLease(PostgresDatabase database) : IConversationLease
{
    public async ValueTask<IAsyncDisposable?> AcquireAsync(string conversationKey, CancellationToken cancellationToken)
    {
        var connection = await database.LeaseSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await new PostgresSession(connection, transaction, cancellationToken).LockAsync("handoffbot.turn/" + conversationKey);
            return new Lease(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class Lease(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await transaction.RollbackAsync(CancellationToken.None); // nothing was written: ending the transaction releases the lock
            }
            catch (Exception exception) when (StorageFaults.IsUnavailable(exception) || connection.FullState.HasFlag(System.Data.ConnectionState.Broken))
            {
                // The server went away: the lock went with its session. The turn's own writes decide its outcome, not this.
            }
            finally
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }
}
