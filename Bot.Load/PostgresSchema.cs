using Npgsql;

namespace HandoffBot.Load;

/// <summary>
/// A fresh schema on a PostgreSQL server for one run of a load tool (created at start, dropped with everything in it
/// on dispose), and the settings that put a bot instance on it: <c>Storage:Provider=Postgres</c>, the connection
/// string with the schema as search path, the instance's own <c>Storage:Postgres:InstanceName</c> and the
/// <c>DirectLine:Secret</c> every instance of the run shares (the provider refuses a per-process random key).
/// </summary>
internal sealed class PostgresSchema : IAsyncDisposable
{
    private readonly string _server;

    private PostgresSchema(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = name }.ToString();
    }

    public string Name { get; }

    /// <summary>The server's connection string with this schema as search path.</summary>
    public string ConnectionString { get; }

    /// <param name="server">An Npgsql connection string (the schema is created in its database).</param>
    /// <param name="prefix">Lower-case letters, digits and underscores: the schema is <c>{prefix}_{pid}_{HHmmss}</c>.</param>
    public static async Task<PostgresSchema> CreateAsync(string server, string prefix)
    {
        var schema = new PostgresSchema(server, $"{prefix}_{Environment.ProcessId}_{TimeProvider.System.GetUtcNow():HHmmss}");
        await PostgresQueries.ExecuteAsync(server, $"CREATE SCHEMA {schema.Name}");
        return schema;
    }

    /// <summary>The environment of one bot instance on this schema (named <paramref name="instanceName"/> in the rows it claims).</summary>
    public Dictionary<string, string> Settings(string instanceName) => new(StringComparer.Ordinal)
    {
        ["Storage__Provider"] = "Postgres",
        ["ConnectionStrings__Postgres"] = ConnectionString,
        ["Storage__Postgres__InstanceName"] = instanceName,
        ["DirectLine__Secret"] = $"load-secret-of-{Name}",
    };

    /// <summary>The first column of every row of a query with one text parameter (<c>$1</c>).</summary>
    public Task<IReadOnlyList<string>> QueryAsync(string sql, string parameter, CancellationToken cancellationToken) =>
        PostgresQueries.ColumnAsync<string>(_server, sql, parameter, cancellationToken);

    /// <summary>The first column of every row of a query without parameters.</summary>
    public Task<IReadOnlyList<string>> QueryAsync(string sql, CancellationToken cancellationToken) =>
        PostgresQueries.ColumnAsync<string>(_server, sql, null, cancellationToken);

    public async ValueTask DisposeAsync() => await PostgresQueries.ExecuteAsync(_server, $"DROP SCHEMA IF EXISTS {Name} CASCADE");
}
