using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>Sqlite</c> (default, embedded) or <c>Postgres</c> (several instances).</summary>
    [Required]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Folder for the SQLite file and uploads; relative paths are under the content root.</summary>
    [Required]
    public string DataFolder { get; set; } = "data";

    /// <summary>Overrides the SQLite connection string (tests use <c>Data Source=name;Mode=Memory;Cache=Shared</c>).</summary>
    public string? SqliteConnectionString { get; set; }

    /// <summary>
    /// SQLite <c>synchronous=FULL</c>: every commit is flushed to disk (survives power loss). Default false:
    /// <c>synchronous=NORMAL</c> in WAL mode, where a commit survives a crash of the process but the last commits
    /// before a power cut may be lost.
    /// </summary>
    public bool DurableCommits { get; set; }

    public const string Sqlite = "Sqlite";

    public const string Postgres = "Postgres";

    /// <summary>True when <see cref="Provider"/> is <c>Postgres</c> (any case).</summary>
    public bool UsesPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for the two known providers.</summary>
    public bool IsKnownProvider => UsesPostgres || string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);
}
