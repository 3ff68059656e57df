namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// A store's tables as numbered migrations: <see cref="Migrations"/>[0] is version 1, and so on. At start-up every
/// migration newer than the version recorded in <c>schema_version</c> under <see cref="Name"/> runs once, in order, in
/// one transaction with the version update (see <see cref="SqliteMigrator"/>). Migrations are never edited once
/// shipped: a change is a new entry at the end. Version 1 scripts keep <c>IF NOT EXISTS</c> so databases created
/// before versioning are adopted as version 1.
/// </summary>
public interface ISqliteSchema
{
    string Name { get; }

    IReadOnlyList<string> Migrations { get; }
}

/// <summary>
/// A schema given by its name and migrations, for a store's nested <c>Schema</c> class:
/// <c>internal sealed class Schema() : SqliteSchema("inbox", """CREATE TABLE ...""");</c>
/// </summary>
public abstract class SqliteSchema(string name, params string[] migrations) : ISqliteSchema
{
    public string Name { get; } = name;

    public IReadOnlyList<string> Migrations { get; } = migrations;
}
