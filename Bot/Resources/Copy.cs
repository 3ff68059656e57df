namespace HandoffBot.Resources;

/// <summary>A named value for a placeholder <c>{name}</c> in a copy string.</summary>
public readonly record struct CopyArg(string Name, object? Value)
{
    public static implicit operator CopyArg((string Name, object? Value) pair) => new(pair.Name, pair.Value);
}

/// <summary>
/// Customer- and agent-facing sentences by key, in the language of an activity's locale (<c>de-DE</c> -> <c>de</c>),
/// English where a language lacks a key. The text lives in <c>Resources/Copy/{area}.{language}.json</c> (one file per
/// feature area and language, each a flat object key -> text with named placeholders such as <c>{agent}</c>; keys are
/// unique across areas), loaded once at start-up; nothing here changes the thread's culture.
/// </summary>
public interface ICopy
{
    /// <summary>The languages shipped, English first.</summary>
    IReadOnlyList<string> Languages { get; }

    /// <summary>The text of <paramref name="key"/> for <paramref name="locale"/> with its placeholders filled in.</summary>
    /// <exception cref="KeyNotFoundException">No language has the key (not even English).</exception>
    /// <exception cref="ArgumentException">The text has a placeholder <paramref name="args"/> gives no value for (names the key).</exception>
    string Get(string? locale, string key, params ReadOnlySpan<CopyArg> args);

    /// <summary>The language <paramref name="locale"/> is answered in (<c>en</c> when none of its own is shipped).</summary>
    string LanguageOf(string? locale);
}

/// <summary>What <see cref="JsonCopy"/> found wrong with the shipped files (reported at start-up).</summary>
public sealed record CopyProblem(string Language, string Key, string Problem);

/// <summary>Renderings every feature shares, built from copy keys so each language words them its own way.</summary>
public static class CopyExtensions
{
    /// <summary>
    /// A duration as a customer or agent reads it: "less than a minute", "1 minute", "5 minutes", "2 hours",
    /// "1 hour 20 minutes" (German: "weniger als eine Minute", "5 Minuten", "1 Stunde 20 Minuten"). Rounded to the
    /// nearest minute; negative durations read as "less than a minute".
    /// </summary>
    /// <param name="seconds">Under a minute, say the seconds ("45 seconds"): for agents, who act on them.</param>
    public static string Duration(this ICopy copy, string? locale, TimeSpan duration, bool seconds = false)
    {
        ArgumentNullException.ThrowIfNull(copy);
        if (duration < TimeSpan.FromMinutes(1))
        {
            return seconds ? Count(copy, locale, "duration.seconds", Math.Max(0, (long)duration.TotalSeconds)) : copy.Get(locale, "duration.lessThanAMinute");
        }
        var total = (long)Math.Round(duration.TotalMinutes, MidpointRounding.AwayFromZero);
        var (hours, minutes) = (total / 60, total % 60);
        if (hours == 0)
        {
            return Count(copy, locale, "duration.minutes", minutes);
        }
        var hoursText = Count(copy, locale, "duration.hours", hours);
        return minutes == 0
            ? hoursText
            : copy.Get(locale, "duration.hoursAndMinutes", ("hours", hoursText), ("minutes", Count(copy, locale, "duration.minutes", minutes)));
    }

    /// <summary><c>{key}.one</c> for 1, <c>{key}.other</c> with <c>{count}</c> otherwise (the plural rule of English and German).</summary>
    private static string Count(ICopy copy, string? locale, string key, long count) =>
        count == 1 ? copy.Get(locale, key + ".one") : copy.Get(locale, key + ".other", ("count", count));
}
