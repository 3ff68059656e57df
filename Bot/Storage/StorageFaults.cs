using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace HandoffBot.Storage;

/// <summary>
/// Tells a database that is away (the server stopped or restarting, the connection refused or cut, SQLite locked
/// beyond its busy timeout) from a failure a retry would not cure. Such a failure stored nothing (each write is one
/// transaction): /api/messages answers 503 with Retry-After and queued turns are tried again.
/// </summary>
public static class StorageFaults
{
    private const int SqliteBusy = 5;

    public static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // admin_shutdown, crash_shutdown, cannot_connect_now (starting up), and class 08 (connection exceptions).
                case PostgresException postgres:
                    return postgres.SqlState is "57P01" or "57P02" or "57P03" || postgres.SqlState.StartsWith("08", StringComparison.Ordinal);
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return true;
                case SqliteException sqlite:
                    return sqlite.SqliteErrorCode == SqliteBusy;
            }
        }
        return false;
    }
}
