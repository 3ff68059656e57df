using System.Globalization;

namespace HandoffBot.Load;

/// <summary>The load tools' "--name value" arguments: one reader, one error message, one integer rule.</summary>
internal static class CommandLine
{
    /// <summary>
    /// Hands each option and its value to <paramref name="option"/> (which says whether it took them); false, with the
    /// bad argument on stderr, at the first it refuses.
    /// </summary>
    public static bool Read(string[] args, Func<string, string?, bool> option)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (!option(args[i], value))
            {
                Console.Error.WriteLine($"bad argument: {args[i]} {value}");
                return false;
            }
            i++;
        }
        return true;
    }

    /// <summary>
    /// <see cref="Read(string[], Func{string, string?, bool})"/> for a tool that starts bots: <paramref name="fleet"/> takes
    /// its own options (provider, instances, server, bot, log), <paramref name="option"/> the tool's; false, with the
    /// reason on stderr, when an argument is refused or the options cannot run together (<see cref="FleetOptions.Problem"/>).
    /// </summary>
    public static bool Read(string[] args, FleetOptions fleet, Func<string, string?, bool> option)
    {
        if (!Read(args, (name, value) => fleet.Take(name, value) ?? option(name, value)))
        {
            return false;
        }
        if (fleet.Problem() is { } problem)
        {
            Console.Error.WriteLine(problem);
            return false;
        }
        return true;
    }

    /// <summary>A whole number written without sign or separators, within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static bool Int(string? text, int min, int max, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
}
