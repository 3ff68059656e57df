using System.Globalization;

namespace HandoffBot.Load;

/// <summary>
/// The bots of one load run: one on a fresh SQLite folder, or N (<see cref="FleetOptions.Instances"/>) started together
/// on one fresh PostgreSQL schema (<see cref="PostgresSchema"/>), each on its own port with its own instance name
/// (<c>{run}-1</c> ... <c>{run}-N</c>). The caller spreads its requests over <see cref="Bots"/> itself: no proxy, no
/// sticky sessions. CPU is measured per run: the sum over the bot processes and, on PostgreSQL, the server's
/// processes (<see cref="PostgresCpu"/>) and this run's own backends among them.
/// </summary>
internal sealed class BotFleet : IAsyncDisposable
{
    private readonly List<BotProcess> _bots;
    private readonly PostgresSchema? _schema;
    private readonly PostgresCpu? _postgresCpu;
    private readonly string _instancePrefix;

    private BotFleet(List<BotProcess> bots, PostgresSchema? schema, PostgresCpu? postgresCpu, string instancePrefix, string description)
    {
        _instancePrefix = instancePrefix;
        _bots = bots;
        _schema = schema;
        _postgresCpu = postgresCpu;
        Description = description;
    }

    public IReadOnlyList<BotProcess> Bots => _bots;

    /// <summary>Each bot's <c>/api/messages</c>, in instance order.</summary>
    public IReadOnlyList<Uri> Messages => [.. _bots.Select(b => new Uri(b.BaseAddress, "api/messages"))];

    /// <summary>"2 instances on PostgreSQL schema x (pids ..., ports ...)" for the tools' first line.</summary>
    public string Description { get; }

    /// <param name="settings">The environment every bot gets (the storage settings are added per instance).</param>
    /// <param name="run">Lower-case letters and underscores naming the run (the schema's prefix).</param>
    public static async Task<BotFleet> StartAsync(FleetOptions options, IReadOnlyDictionary<string, string> settings, string run, HttpClient http, CancellationToken cancellationToken)
    {
        PostgresSchema? schema = null;
        PostgresCpu? cpu = null;
        var bots = new List<BotProcess>();
        try
        {
            var instance = run.Replace('_', '-');
            if (options.IsPostgres)
            {
                schema = await PostgresSchema.CreateAsync(options.Postgres!, run);
                instance = schema.Name.Replace('_', '-');
                cpu = await PostgresCpu.OpenAsync(options.Postgres!, $"HandoffBot {instance}-", cancellationToken);
            }
            for (var i = 1; i <= options.Instances; i++)
            {
                var environment = new Dictionary<string, string>(settings, StringComparer.Ordinal);
                foreach (var (key, value) in schema?.Settings($"{instance}-{i}") ?? [])
                {
                    environment[key] = value;
                }
                bots.Add(BotProcess.Start(options.BotDll, environment));
            }
            // Started together on an empty schema: the migrations run once, under their advisory lock.
            await Task.WhenAll(bots.Select(b => b.WaitUntilReadyAsync(http, TimeSpan.FromSeconds(90), cancellationToken)));
            var where = schema is null ? "SQLite" : $"PostgreSQL schema {schema.Name}, postmaster pid {cpu!.PostmasterId}";
            var description = $"{bots.Count} instance{(bots.Count == 1 ? "" : "s")} on {where}: " +
                string.Join(", ", bots.Select((b, i) => $"{(schema is null ? "bot" : $"{instance}-{i + 1}")} pid {b.ProcessId} {b.BaseAddress}"));
            return new BotFleet(bots, schema, cpu, instance, description);
        }
        catch
        {
            await DisposeAllAsync(bots, schema);
            throw;
        }
    }

    /// <summary>Cumulative CPU so far: the bots' sum and the PostgreSQL server's (null on SQLite).</summary>
    public async Task<FleetCpuSample> SampleCpuAsync(CancellationToken cancellationToken) =>
        new(_bots.Aggregate(TimeSpan.Zero, (sum, b) => sum + b.CpuTime()), _postgresCpu is null ? null : await _postgresCpu.SampleAsync(cancellationToken));

    /// <summary>
    /// The instance holding the routing owner's advisory lock now (its <c>Storage:Postgres:InstanceName</c>), read from
    /// <c>pg_locks</c>; null on SQLite or when no instance of this run holds it.
    /// </summary>
    public async Task<string?> RoutingOwnerAsync(CancellationToken cancellationToken)
    {
        if (_schema is null)
        {
            return null;
        }
        var owners = await _schema.QueryAsync(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE $1",
            $"HandoffBot {_instancePrefix}-% routing owner", cancellationToken);
        return owners.Count == 0 ? null : string.Join(",", owners.Select(o => o["HandoffBot ".Length..^" routing owner".Length]));
    }

    /// <summary>
    /// This run's outbox rows by the instance that claimed them last and their status (<c>"{instance} {status}" -> rows</c>;
    /// <c>(none)</c>: never claimed); empty on SQLite.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> OutboxRowsAsync(CancellationToken cancellationToken)
    {
        if (_schema is null)
        {
            return new Dictionary<string, int>();
        }
        var rows = await _schema.QueryAsync(
            $"SELECT coalesce(claimed_by, '(none)') || ' ' || status || ' ' || count(*) FROM {_schema.Name}.handoff_outbox GROUP BY claimed_by, status", cancellationToken);
        return rows.Select(r => r.Split(' ')).ToDictionary(p => $"{p[0]} {p[1]}", p => int.Parse(p[2], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    /// <summary>The warnings, errors and critical lines every bot logged so far, each prefixed with its instance number.</summary>
    public IReadOnlyList<string> Problems() =>
        [.. _bots.SelectMany((b, i) => b.ReadLog().Split('\n')
            .Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal))
            .Select(l => $"[{i + 1}] {l.TrimEnd()}"))];

    /// <summary>Every bot's log, one after the other, each under a header line.</summary>
    public string ReadLogs() => string.Concat(_bots.Select((b, i) => $"===== instance {i + 1} (pid {b.ProcessId}){Environment.NewLine}{b.ReadLog()}"));

    /// <summary>Stops every bot (SIGTERM, in parallel), so their shutdown lines are in <see cref="ReadLogs"/>.</summary>
    public Task StopAsync() => Task.WhenAll(_bots.Select(b => b.StopAsync()));

    public async ValueTask DisposeAsync() => await DisposeAllAsync(_bots, _schema);

    private static async Task DisposeAllAsync(List<BotProcess> bots, PostgresSchema? schema)
    {
        await Task.WhenAll(bots.Select(b => b.DisposeAsync().AsTask()));
        if (schema is not null)
        {
            await schema.DisposeAsync();
        }
    }
}

/// <summary>Cumulative CPU of a <see cref="BotFleet"/>: its bots and its PostgreSQL server (null on SQLite).</summary>
internal sealed record FleetCpuSample(TimeSpan Bots, PostgresCpuSample? Postgres)
{
    /// <summary>
    /// CPU per unit of work since <paramref name="before"/>, in microseconds: bots, PostgreSQL server, and this run's
    /// backends (<c>pg_clients</c>); the last two are NaN on SQLite.
    /// </summary>
    public (double Bots, double Postgres, double PostgresClients) PerUnitSince(FleetCpuSample before, int units)
    {
        var n = Math.Max(1, units);
        return ((Bots - before.Bots).TotalMicroseconds / n,
            Postgres is null || before.Postgres is null ? double.NaN : Postgres.ServerSince(before.Postgres).TotalMicroseconds / n,
            Postgres is null || before.Postgres is null ? double.NaN : Postgres.ClientsSince(before.Postgres).TotalMicroseconds / n);
    }

    /// <summary>"bot CPU/turn 240 us, postgres CPU/turn 310 us (this run's backends 290 us)" with <paramref name="unit"/> as the unit's name.</summary>
    public static string Describe((double Bots, double Postgres, double PostgresClients) perUnit, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"bot CPU/{unit}: {perUnit.Bots:0} us") +
        (double.IsNaN(perUnit.Postgres) ? "" : string.Create(CultureInfo.InvariantCulture,
            $"   postgres CPU/{unit}: {perUnit.Postgres:0} us (this run's backends: {perUnit.PostgresClients:0} us)"));
}
