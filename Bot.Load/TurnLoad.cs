using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HandoffBot.Load;

/// <summary>
/// Routine turns under load (<c>Bot.Load turns</c>, <c>eng/load.sh</c>): the bots of a <see cref="BotFleet"/> (one on
/// SQLite, or N on one PostgreSQL schema), a warm-up, then wrk (<c>eng/load.lua</c>) posting expectReplies turns from
/// many concurrent conversations for a fixed time. With N instances the wrk threads are spread round robin over them
/// (<c>LOAD_TARGETS</c>): every conversation belongs to one wrk thread, so its turns all go to one instance (round robin
/// per conversation; the handoff tool spreads per request). Prints turns/s, latency percentiles, failures, the bots'
/// CPU per turn and, on PostgreSQL, the server's CPU per turn, then one <c>RESULT</c> line of key=value pairs.
/// </summary>
internal static partial class TurnLoad
{
    public const string Usage = """
        Usage: Bot.Load turns [--provider sqlite|postgres] [--instances 1] [--postgres <connection string>] [--connections 32]
                              [--duration 10] [--threads 2] [--warmup 30] [--conversations 2048] [--script eng/load.lua]
                              [--bot-dll <path>] [--keep-log <file>]
          --connections    wrk connections in total (rounded up to a multiple of the threads)
          --threads        wrk threads (rounded up to a multiple of the instances: each thread posts to one instance)
          --duration       seconds measured; --warmup: at least this many seconds of discarded load first, then more until the JIT settles
          --conversations  conversations per wrk thread (each starts with a welcome turn; at a few hundred turns/s a smaller
                           pool keeps the measured turns mostly questions, as at thousands of turns/s with the default)
        """ + "\n" + FleetOptions.Usage;

    private sealed record Options(FleetOptions Fleet, int Connections, int Duration, int Threads, int Warmup, int Conversations, string Script);

    public static async Task<int> RunAsync(string[] args)
    {
        if (Parse(args) is not { } options)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var fleet = await BotFleet.StartAsync(options.Fleet, new Dictionary<string, string>(StringComparer.Ordinal), "load_turns", http, CancellationToken.None);
        Console.WriteLine($"== {fleet.Description}");
        var url = fleet.Messages[0].ToString();
        var targets = string.Join(' ', fleet.Bots.Select(b => $"{b.BaseAddress.Host}:{b.BaseAddress.Port}"));
        var threads = (options.Threads + fleet.Bots.Count - 1) / fleet.Bots.Count * fleet.Bots.Count;
        var connections = (Math.Max(options.Connections, threads) + threads - 1) / threads * threads;
        if (options.Warmup > 0)
        {
            Console.WriteLine($"== warm-up: at least {options.Warmup}s at {connections} connections, then 10 s more at a time until the JIT settles");
            Console.WriteLine(await new JitWarmUp(fleet, http).RunAsync(TimeSpan.FromSeconds(options.Warmup), n =>
                WrkAsync(options, threads, connections, n == 1 ? options.Warmup : 10, $"warm{Environment.ProcessId}x{n}", targets, url, latency: false), CancellationToken.None));
        }
        Console.WriteLine($"== load: {options.Duration}s at {connections} connections, {threads} wrk threads over {fleet.Bots.Count} instance(s) " +
            $"({Environment.ProcessorCount} cores, load average {Machine.LoadAverage()})");
        var before = await fleet.SampleCpuAsync(CancellationToken.None);
        var output = await WrkAsync(options, threads, connections, options.Duration, $"run{Environment.ProcessId}", targets, url, latency: true);
        var after = await fleet.SampleCpuAsync(CancellationToken.None);
        var loadAverage = Machine.LoadAverage();
        foreach (var line in output.Split('\n').Where(l => WrkSummaryLine().IsMatch(l)))
        {
            Console.WriteLine(line.TrimEnd());
        }
        if (output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) is not { } resultLine)
        {
            Console.WriteLine("wrk printed no RESULT line:");
            Console.WriteLine(output);
            return 1;
        }
        var result = resultLine[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var turns = int.Parse(result["turns"], CultureInfo.InvariantCulture);
        var failed = int.Parse(result["failed"], CultureInfo.InvariantCulture);
        var socketErrors = int.Parse(result["socket_errors"], CultureInfo.InvariantCulture);
        var cpu = after.PerUnitSince(before, turns);
        Console.WriteLine($"turns/s: {result["turns_per_s"]}   p50: {result["p50_ms"]} ms   p90: {result["p90_ms"]} ms   p99: {result["p99_ms"]} ms   max: {result["max_ms"]} ms   " +
            $"turns: {turns}   failed: {failed}   socket errors: {socketErrors}   {FleetCpuSample.Describe(cpu, "turn")}   " +
            $"instances: {fleet.Bots.Count} ({options.Fleet.Provider})   load average: {loadAverage}");

        // Stopped first, so each bot logs how many turns reached the sentence encoder (EventId 3901).
        await fleet.StopAsync();
        var logs = fleet.ReadLogs();
        if (options.Fleet.KeepLog is { } keep)
        {
            await File.WriteAllTextAsync(keep, logs);
        }
        foreach (Match encoder in EncoderLine().Matches(logs))
        {
            Console.WriteLine(encoder.Value.TrimEnd());
        }
        var problems = fleet.Problems().Where(l => !l.Contains("warn:", StringComparison.Ordinal)).ToList();
        if (problems.Count > 0)
        {
            Console.WriteLine($"== the bots logged {problems.Count} errors; the first ones:");
            foreach (var line in problems.Take(10))
            {
                Console.WriteLine("   " + line);
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT tool=turns provider={options.Fleet.Provider} instances={fleet.Bots.Count} turns={turns} turns_per_s={result["turns_per_s"]} p50_ms={result["p50_ms"]} p90_ms={result["p90_ms"]} " +
            $"p99_ms={result["p99_ms"]} failed={failed} socket_errors={socketErrors} bot_errors={problems.Count} bot_cpu_us_per_turn={cpu.Bots:0} " +
            $"pg_cpu_us_per_turn={cpu.Postgres:0} pg_backends_cpu_us_per_turn={cpu.PostgresClients:0} load_average={loadAverage.Replace(' ', '/')}"));
        return failed + socketErrors + problems.Count > 0 ? 1 : 0;
    }

    private static async Task<string> WrkAsync(Options options, int threads, int connections, int seconds, string runId, string targets, string url, bool latency)
    {
        var start = new ProcessStartInfo("wrk") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-t", $"{threads}", "-c", $"{connections}", "-d", $"{seconds}s", "--timeout", "5s", "-s", options.Script])
        {
            start.ArgumentList.Add(argument);
        }
        if (latency)
        {
            start.ArgumentList.Add("--latency");
        }
        start.ArgumentList.Add(url);
        start.Environment["LOAD_RUN_ID"] = runId;
        start.Environment["LOAD_TARGETS"] = targets;
        start.Environment["LOAD_CONVERSATIONS_PER_THREAD"] = options.Conversations.ToString(CultureInfo.InvariantCulture);
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start (eng/load.sh installs it)");
        var stdout = wrk.StandardOutput.ReadToEndAsync();
        var stderr = wrk.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30));
        try
        {
            await wrk.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            wrk.Kill();
            throw new TimeoutException($"wrk did not end within {seconds + 30} s of a {seconds} s run");
        }
        return await stdout + await stderr;
    }

    private static Options? Parse(string[] args)
    {
        var fleet = new FleetOptions();
        int connections = 32, duration = 10, threads = 2, warmup = 30, conversations = 2048;
        string script = Path.Combine("eng", "load.lua");
        if (!CommandLine.Read(args, fleet, (name, value) => name switch
        {
            "--connections" => CommandLine.Int(value, 1, 10_000, out connections),
            "--duration" => CommandLine.Int(value, 1, 3_600, out duration),
            "--threads" => CommandLine.Int(value, 1, 64, out threads),
            "--warmup" => CommandLine.Int(value, 0, 600, out warmup),
            "--conversations" => CommandLine.Int(value, 64, 100_000, out conversations),
            "--script" => (script = value ?? "") is { Length: > 0 },
            _ => false,
        }))
        {
            return null;
        }
        return new Options(fleet, connections, duration, threads, warmup, conversations, script);
    }

    [GeneratedRegex(@"Latency|Req/Sec|requests in|Non-2xx")]
    private static partial Regex WrkSummaryLine();

    [GeneratedRegex(@"Sentence encoder: .*")]
    private static partial Regex EncoderLine();
}
