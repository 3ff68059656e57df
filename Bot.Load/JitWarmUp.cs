using System.Diagnostics;
using System.Globalization;

namespace HandoffBot.Load;

/// <summary>
/// A warm-up that ends when the bots' JIT has settled, not after a fixed time. Tiered compilation (with dynamic PGO,
/// each hot method is compiled up to three times) keeps a background thread busy long after start-up: measured on the
/// 2-core machine (2026-12-03), about 2.5 s of JIT per 5 s for the first 50 s of a loaded bot, then nearly nothing;
/// with the old fixed 30 s warm-up the tiering thread still took 28% of the bot's CPU during the measured rounds. So the
/// warm-up goes on at least <c>minimum</c>, then until one warm-up step compiled at most
/// <see cref="SettledMethodsPerSecond"/> methods per second (read from every bot's <c>dotnet_jit_compiled_methods</c> on
/// its Prometheus endpoint, which loopback callers may read), for at most <see cref="MaximumExtra"/> more.
/// </summary>
internal sealed class JitWarmUp(BotFleet fleet, HttpClient http)
{
    /// <summary>At or below this rate the JIT counts as settled (a warm bot compiles a few methods a second at most).</summary>
    public const double SettledMethodsPerSecond = 10;

    /// <summary>The longest the warm-up goes on after its minimum while the JIT has not settled.</summary>
    public static readonly TimeSpan MaximumExtra = TimeSpan.FromSeconds(180);

    /// <summary>
    /// Runs <paramref name="step"/> until <paramref name="minimum"/> has passed and the last step found the JIT
    /// settled, or <see cref="MaximumExtra"/> more has passed; returns the line that says how it ended.
    /// </summary>
    public async Task<string> RunAsync(TimeSpan minimum, Func<int, Task> step, CancellationToken cancellationToken)
    {
        var began = Stopwatch.GetTimestamp();
        var rate = double.NaN;
        for (var n = 1; !cancellationToken.IsCancellationRequested; n++)
        {
            var methods = await CompiledMethodsAsync(cancellationToken);
            var stepBegan = Stopwatch.GetTimestamp();
            await step(n);
            var compiled = await CompiledMethodsAsync(cancellationToken) - methods;
            rate = compiled / Math.Max(0.001, Stopwatch.GetElapsedTime(stepBegan).TotalSeconds);
            var elapsed = Stopwatch.GetElapsedTime(began);
            if (elapsed >= minimum && (rate <= SettledMethodsPerSecond || elapsed >= minimum + MaximumExtra))
            {
                break;
            }
        }
        var settled = rate <= SettledMethodsPerSecond ? "settled" : "NOT settled (the figures below include JIT work)";
        return string.Create(CultureInfo.InvariantCulture,
            $"== warm-up ended after {Stopwatch.GetElapsedTime(began).TotalSeconds:0} s: JIT {settled}, {rate:0.0} methods/s in the last step");
    }

    /// <summary>Methods the JIT compiled since the bots started, summed over the bots (the runtime's own counter).</summary>
    public async Task<long> CompiledMethodsAsync(CancellationToken cancellationToken)
    {
        long sum = 0;
        foreach (var bot in fleet.Bots)
        {
            var text = await http.GetStringAsync(new Uri(bot.BaseAddress, "metrics"), cancellationToken);
            sum += CompiledMethods(text);
        }
        return sum;
    }

    /// <summary>The value of <c>dotnet_jit_compiled_methods[_total]</c> in a Prometheus text exposition (0 when absent; the runtime reports one series).</summary>
    internal static long CompiledMethods(string exposition)
    {
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("dotnet_jit_compiled_methods", StringComparison.Ordinal))
            {
                continue;
            }
            // name{labels} value [timestamp]
            var rest = line[((line.IndexOf('}') is var close and >= 0 ? close : line.IndexOf(' ')) + 1)..].TrimStart();
            var value = rest.IndexOf(' ') is var space and >= 0 ? rest[..space] : rest;
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var methods))
            {
                return (long)methods;
            }
        }
        return 0;
    }
}
