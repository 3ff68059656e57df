namespace HandoffBot.Storage.Postgres;

/// <summary>
/// A store's PostgreSQL tables as numbered migrations, like <see cref="Sqlite.ISqliteSchema"/>:
/// <see cref="Migrations"/>[0] is version 1. Run once at start-up by <see cref="PostgresMigrator"/>, under an advisory
/// lock, in one transaction with the version update. Never edit a shipped migration; add one at the end.
/// </summary>
public interface IPostgresSchema
{
    string Name { get; }

    IReadOnlyList<string> Migrations { get; }
}

/// <summary>A schema given by its name and migrations, for a store's nested <c>Schema</c> class.</summary>
public abstract class PostgresSchema(string name, params string[] migrations) : IPostgresSchema
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Migrations { get; } = migrations;
}
