using System.Globalization;

namespace HandoffBot.Load;

/// <summary>
/// One line of <c>/proc/&lt;pid&gt;/stat</c>: the parent process id and the CPU the process used (user + system) and
/// the CPU of its children it has waited for (cutime + cstime: a child that exited is counted there once reaped).
/// </summary>
internal readonly record struct ProcStat(int ProcessId, int ParentId, TimeSpan Own, TimeSpan ReapedChildren)
{
    /// <summary>USER_HZ: the kernel reports these fields in 1/100 s on every Linux the tools run on, whatever CONFIG_HZ is.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The process's figures now, or null when it is gone (or this is not Linux).</summary>
    public static ProcStat? Read(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) state ppid ... utime stime cutime cstime ...": comm may hold spaces and parentheses, so split after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new ProcStat(processId, (int)Field(4), Ticks(Field(14) + Field(15)), Ticks(Field(16) + Field(17)));
    }

    /// <summary>Every process whose parent is <paramref name="parentId"/> now.</summary>
    public static IEnumerable<ProcStat> ChildrenOf(int parentId)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Read(pid) is { } stat && stat.ParentId == parentId)
            {
                yield return stat;
            }
        }
    }

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);
}
