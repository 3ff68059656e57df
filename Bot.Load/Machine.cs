namespace HandoffBot.Load;

/// <summary>What every load tool reports with its figures: percentiles of a sorted sample and the machine's load average.</summary>
internal static class Machine
{
    /// <summary>The nearest-rank percentile of an ascending sample; NaN when it is empty.</summary>
    public static double Percentile(double[] sorted, double percent) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg ("n/a" elsewhere): the machine is shared, so every figure names it.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
