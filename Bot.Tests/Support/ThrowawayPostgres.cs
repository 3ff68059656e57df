using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HandoffBot.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of one test's own (initdb in a temporary folder, a free loopback port), for the tests that stop
/// and start the server: never the shared cluster of eng/test.sh, which other tests use meanwhile. The binaries are
/// found as eng/postgres.sh finds them; as root, initdb and the server run as the postgres user.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly DirectoryInfo _folder;
    private readonly int _port;

    private ThrowawayPostgres(string bin, DirectoryInfo folder, int port) => (_bin, _folder, _port) = (bin, folder, port);

    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=handoffbot;Database=postgres";

    private string Data => Path.Combine(_folder.FullName, "data");

    private static bool AsRoot => Environment.UserName == "root";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [])
            .Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")))
            .OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
            .LastOrDefault() ?? throw new InvalidOperationException("PostgreSQL is not installed (eng/prerequisites.sh installs it).");
        var folder = Directory.CreateTempSubdirectory("handoffbot-pgfault-");
        if (AsRoot)
        {
            await RunAsync("chown", ["postgres:", folder.FullName], asOwner: false);
        }
        var cluster = new ThrowawayPostgres(bin, folder, FreePort());
        try
        {
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", cluster.Data, "-U", "handoffbot", "-A", "trust", "-E", "UTF8", "--no-sync"], AsRoot);
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            folder.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port and waits until it accepts connections.</summary>
    public Task StartServerAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"),
        ["-D", Data, "-l", Path.Combine(_folder.FullName, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {_port} -k {_folder.FullName} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start"], AsRoot);

    /// <summary><c>pg_ctl stop -m fast</c>: the server ends every session (57P01 to its clients) and stops.</summary>
    public Task StopServerAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "fast", "-w", "stop"], AsRoot);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "stop"], AsRoot);
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        _folder.Delete(recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs a tool to its end; its output is not captured (pg_ctl's server would inherit the pipe), so a failure
    /// reports the exit code, and the server log is in the cluster's folder.
    /// </summary>
    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asOwner)
    {
        var start = new ProcessStartInfo(asOwner ? "runuser" : file) { UseShellExecute = false, RedirectStandardOutput = false };
        if (asOwner)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}.");
        }
    }
}
