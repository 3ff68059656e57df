using System.Globalization;

namespace HandoffBot.Load;

/// <summary>
/// CPU used by a PostgreSQL server on this machine, from /proc: the postmaster (found as the parent of this
/// connection's backend, so it works for any cluster reachable on loopback, whoever started it) and every process it
/// forked (backends, walwriter, checkpointer, autovacuum...). A backend that exits between two samples is not lost:
/// once the postmaster reaps it, its CPU moves into the postmaster's cutime/cstime, which the sample includes.
/// Optionally also the backends of one set of clients (by <c>application_name</c> prefix), since a shared cluster may
/// serve other work at the same time. Used by <c>Bot.Load turns</c>, the handoff tool and <c>Bot.Load postgres-cpu</c>.
/// </summary>
internal sealed class PostgresCpu
{
    public const string Usage = """
        Usage: Bot.Load postgres-cpu [--postgres <connection string>] [--application-name <prefix>]
          prints the cumulative CPU of the PostgreSQL server's processes on this machine so far, as
          postgres_cpu_us=N processes=N postmaster=PID [clients_cpu_us=N clients=N]; take one sample before and one
          after a run and subtract (the server's CPU during the run). --postgres defaults to $HANDOFFBOT_TEST_POSTGRES;
          --application-name: also the CPU of the backends whose application_name starts with it (still connected).
        """;

    private readonly string _connectionString;
    private readonly string? _applicationNamePrefix;

    private PostgresCpu(string connectionString, int postmasterId, string? applicationNamePrefix)
    {
        _connectionString = connectionString;
        PostmasterId = postmasterId;
        _applicationNamePrefix = applicationNamePrefix;
    }

    public int PostmasterId { get; }

    /// <summary>Finds the server's postmaster; fails when the server does not run on this machine (its backend's pid is not a local process).</summary>
    public static async Task<PostgresCpu> OpenAsync(string connectionString, string? applicationNamePrefix, CancellationToken cancellationToken)
    {
        var backend = (await PostgresQueries.ColumnAsync<int>(connectionString, "SELECT pg_backend_pid()", null, cancellationToken))[0];
        var postmaster = ProcStat.Read(backend) is { } stat && ProcStat.Read(stat.ParentId) is not null
            ? stat.ParentId
            : throw new InvalidOperationException($"PostgreSQL backend {backend} is not a process on this machine (/proc/{backend}): its CPU cannot be measured here.");
        return new PostgresCpu(connectionString, postmaster, applicationNamePrefix);
    }

    /// <summary>The cumulative CPU of the server so far and, per pid, of the matching client backends.</summary>
    public async Task<PostgresCpuSample> SampleAsync(CancellationToken cancellationToken)
    {
        var clients = new Dictionary<int, TimeSpan>();
        if (_applicationNamePrefix is not null)
        {
            var pids = await PostgresQueries.ColumnAsync<int>(_connectionString, "SELECT pid FROM pg_stat_activity WHERE starts_with(application_name, $1)", _applicationNamePrefix, cancellationToken);
            foreach (var pid in pids)
            {
                if (ProcStat.Read(pid) is { } backend)
                {
                    clients[pid] = backend.Own;
                }
            }
        }
        var postmaster = ProcStat.Read(PostmasterId) ?? throw new InvalidOperationException($"The postmaster {PostmasterId} is gone.");
        var children = ProcStat.ChildrenOf(PostmasterId).ToList();
        var total = postmaster.Own + postmaster.ReapedChildren;
        foreach (var child in children)
        {
            total += child.Own + child.ReapedChildren;
        }
        return new PostgresCpuSample(total, children.Count + 1, clients);
    }

    /// <summary><c>Bot.Load postgres-cpu</c>: one sample on stdout, for scripts (see <see cref="Usage"/>).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = Environment.GetEnvironmentVariable("HANDOFFBOT_TEST_POSTGRES");
        string? prefix = null;
        if (!CommandLine.Read(args, (name, value) => name switch
        {
            "--postgres" => (postgres = value) is not null,
            "--application-name" => (prefix = value) is not null,
            _ => false,
        }) || string.IsNullOrEmpty(postgres))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var cpu = await OpenAsync(postgres, prefix, CancellationToken.None);
        var sample = await cpu.SampleAsync(CancellationToken.None);
        var clients = prefix is null ? "" : string.Create(CultureInfo.InvariantCulture, $" clients_cpu_us={sample.Clients.Values.Sum(c => c.Ticks) / 10} clients={sample.Clients.Count}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"postgres_cpu_us={sample.Server.Ticks / 10} processes={sample.Processes} postmaster={cpu.PostmasterId}{clients}"));
        return 0;
    }
}

/// <summary>One sample of <see cref="PostgresCpu"/>: cumulative CPU, so the CPU of a window is the difference of two.</summary>
internal sealed record PostgresCpuSample(TimeSpan Server, int Processes, IReadOnlyDictionary<int, TimeSpan> Clients)
{
    /// <summary>The server's CPU between <paramref name="before"/> and this sample.</summary>
    public TimeSpan ServerSince(PostgresCpuSample before) => Server - before.Server;

    /// <summary>
    /// The matching clients' backends' CPU between <paramref name="before"/> and this sample: a backend that connected
    /// in between counts from zero; one that disconnected in between is missing (its share is in <see cref="Server"/>).
    /// </summary>
    public TimeSpan ClientsSince(PostgresCpuSample before) =>
        Clients.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Value - before.Clients.GetValueOrDefault(c.Key));
}
