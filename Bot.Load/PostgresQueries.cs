using Npgsql;

namespace HandoffBot.Load;

/// <summary>The few statements the load tools run on a PostgreSQL server themselves (schemas, pg_stat_activity, pg_locks), each on a connection of its own.</summary>
internal static class PostgresQueries
{
    /// <summary>Runs one statement.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of every row of <paramref name="sql"/>, with <paramref name="parameter"/> as <c>$1</c> when given.</summary>
    public static async Task<IReadOnlyList<T>> ColumnAsync<T>(string connectionString, string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(reader.GetFieldValue<T>(0));
        }
        return rows;
    }
}
