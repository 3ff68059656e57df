using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace HandoffBot.Load;

/// <summary>
/// The bot as a child process: <c>dotnet HandoffBot.dll --urls http://127.0.0.1:port</c> in Production with a fresh
/// SQLite folder (deleted on dispose), configured through environment variables; its console output goes to a log
/// file in that folder so errors can be counted after the run. Given a data folder the caller owns it: the kill probe
/// starts a second bot on the first one's folder after <see cref="KillAsync"/>.
/// </summary>
internal sealed class BotProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _data;
    private readonly bool _ownsData;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();

    private BotProcess(Process process, DirectoryInfo data, bool ownsData, StreamWriter log, Uri baseAddress)
    {
        _process = process;
        _data = data;
        _ownsData = ownsData;
        _log = log;
        BaseAddress = baseAddress;
    }

    /// <summary>The Release build of the bot, relative to the repository root (where the eng/ scripts run the tools).</summary>
    public static string DefaultDll { get; } = Path.Combine("Bot", "bin", "Release", "net10.0", "HandoffBot.dll");

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public string LogPath => Path.Combine(_data.FullName, "bot.log");

    /// <param name="dataFolder">The bot's data folder (SQLite files, log), kept on dispose; null: a fresh temporary one, deleted on dispose.</param>
    public static BotProcess Start(string botDll, IReadOnlyDictionary<string, string> settings, DirectoryInfo? dataFolder = null)
    {
        if (!File.Exists(botDll))
        {
            throw new FileNotFoundException($"The bot is not built: {botDll} (run eng/load-handoff.sh, or dotnet build Bot -c Release).", botDll);
        }
        var port = FreePort();
        var data = dataFolder ?? Directory.CreateTempSubdirectory("handoffbot-load-handoff-");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(botDll))!,
        };
        start.ArgumentList.Add(Path.GetFullPath(botDll));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataFolder"] = data.FullName;
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        var log = new StreamWriter(Path.Combine(data.FullName, "bot.log"), append: true);
        var process = new Process { StartInfo = start };
        var bot = new BotProcess(process, data, ownsData: dataFolder is null, log, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => bot.Write(e.Data);
        process.ErrorDataReceived += (_, e) => bot.Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bot;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200; fails if the bot exits or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The bot exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{ReadLog()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        throw new TimeoutException($"The bot was not ready within {timeout.TotalSeconds:0} s:{Environment.NewLine}{ReadLog()}");
    }

    /// <summary>User + system CPU time the bot process has used so far (what /proc/&lt;pid&gt;/stat reports).</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The log so far (flushed first).</summary>
    public string ReadLog()
    {
        lock (_logLock)
        {
            _log.Flush();
        }
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logLock)
        {
            _log.WriteLine(line);
        }
    }

    /// <summary>kill -9: the process ends at once, whatever it was doing (no shutdown, no drain).</summary>
    public async Task KillAsync()
    {
        _ = NativeMethods.Kill(_process.Id, NativeMethods.SigKill);
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>Stops the bot (SIGTERM, so the host shuts down as in production and logs what it logs at shutdown; killed after 15 s). The log stays readable.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, NativeMethods.SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        await _process.WaitForExitAsync(CancellationToken.None); // the last lines of output are read too
    }

    /// <summary>Stops the bot (<see cref="StopAsync"/>), then deletes its data folder if it made it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
        if (!_ownsData)
        {
            return;
        }
        try
        {
            _data.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static class NativeMethods
    {
        public const int SigKill = 9;
        public const int SigTerm = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Kill(int pid, int signal);
    }
}
