namespace HandoffBot.Load;

/// <summary>
/// Where the load tools' bots store and how many there are: <c>--provider sqlite|postgres</c>, <c>--instances N</c>
/// (PostgreSQL only above 1: SQLite is one process's file) and <c>--postgres &lt;connection string&gt;</c> (default
/// <c>$HANDOFFBOT_TEST_POSTGRES</c>), the bot to start (<c>--bot-dll</c>) and where to keep its log (<c>--keep-log</c>).
/// One parser for every tool that starts bots (<see cref="BotFleet"/>, <see cref="CommandLine.Read(string[], FleetOptions, Func{string, string?, bool})"/>).
/// </summary>
/// <param name="maxInstances">1 for a tool that runs one bot at a time (it then refuses <c>--instances</c>).</param>
internal sealed class FleetOptions(int maxInstances = 16)
{
    public const string Usage = """
          --provider       sqlite (default: a fresh data folder per bot) or postgres (a fresh schema on --postgres, dropped at the end)
          --instances      bot processes on that one database (default 1; above 1 needs --provider postgres), each with its own
                           Storage:Postgres:InstanceName and port, the same DirectLine:Secret
          --postgres       the server (Npgsql connection string; default $HANDOFFBOT_TEST_POSTGRES)
          --bot-dll        the bot to start (default: Bot/bin/Release/net10.0/HandoffBot.dll, from the repository root)
          --keep-log       copy the bots' console logs to this file before their temporary folders are deleted
        """;

    public string Provider { get; private set; } = "sqlite";

    public int Instances { get; private set; } = 1;

    public string? Postgres { get; private set; } = Environment.GetEnvironmentVariable("HANDOFFBOT_TEST_POSTGRES");

    public string BotDll { get; private set; } = BotProcess.DefaultDll;

    public string? KeepLog { get; private set; }

    public bool IsPostgres => Provider == "postgres";

    /// <summary>Takes one of this class's options (see <see cref="Usage"/>): true, false for a bad value, null when <paramref name="name"/> is not one of them.</summary>
    public bool? Take(string name, string? value)
    {
        switch (name)
        {
            case "--provider" when value is "sqlite" or "postgres":
                Provider = value;
                return true;
            case "--instances" when maxInstances > 1 && CommandLine.Int(value, 1, maxInstances, out var instances):
                Instances = instances;
                return true;
            case "--postgres" when !string.IsNullOrWhiteSpace(value):
                Postgres = value;
                return true;
            case "--bot-dll" when !string.IsNullOrWhiteSpace(value):
                BotDll = value;
                return true;
            case "--keep-log" when !string.IsNullOrWhiteSpace(value):
                KeepLog = value;
                return true;
            case "--provider" or "--instances" or "--postgres" or "--bot-dll" or "--keep-log":
                return false;
            default:
                return null;
        }
    }

    /// <summary>Why the options cannot run (on stderr), or null.</summary>
    public string? Problem() =>
        IsPostgres && string.IsNullOrEmpty(Postgres) ? "--provider postgres needs --postgres <connection string> or HANDOFFBOT_TEST_POSTGRES (source eng/postgres.sh; start_test_postgres)"
        : !IsPostgres && Instances > 1 ? "--instances above 1 needs --provider postgres (a SQLite file belongs to one process)"
        : null;
}
