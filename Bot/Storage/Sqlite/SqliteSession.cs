using Microsoft.Data.Sqlite;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// An open connection with its prepared commands cached by SQL text. Handed to the delegates of
/// <see cref="SqliteDatabase.WriteAsync{T}"/> and <see cref="SqliteDatabase.ReadAsync{T}"/>; only valid inside them.
/// </summary>
public sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal SqliteSession(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>The cached command for <paramref name="sql"/> (prepared on first use); set its parameters with <see cref="SqliteCommandExtensions.With"/>.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        return command;
    }

    internal void Execute(string sql) => Command(sql).ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        _commands.Clear();
        Connection.Dispose();
    }
}

public static class SqliteCommandExtensions
{
    /// <summary>Sets (or adds) a parameter of a reused command; null becomes SQL NULL.</summary>
    public static SqliteCommand With(this SqliteCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        else
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return command;
    }

    internal static bool AutoCommit(this SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
}
