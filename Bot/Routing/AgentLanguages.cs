namespace HandoffBot.Routing;

/// <summary>
/// Languages as routing sees them: an agent speaks the languages of their <c>language-xx</c> skills
/// (<c>"Skills": { "billing": 4, "language-de": 5 }</c>; a dash, because a colon separates configuration sections), or
/// <see cref="RoutingOptions.DefaultLanguage"/> when they list none; a handoff asks for the primary subtag of the
/// customer's language (<c>de-DE</c> -> <c>de</c>).
/// </summary>
public static class AgentLanguages
{
    public const string SkillPrefix = "language-";

    /// <summary>The lower-case primary subtag of a BCP 47 tag; null for null, empty or a malformed tag.</summary>
    public static string? Primary(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }
        var trimmed = tag.Trim();
        var end = trimmed.IndexOfAny(['-', '_']);
        var primary = end < 0 ? trimmed : trimmed[..end];
        return primary.Length is >= 2 and <= 3 && primary.All(char.IsAsciiLetter) ? primary.ToLowerInvariant() : null;
    }

    /// <summary>The languages of an agent's skills; <paramref name="defaultLanguage"/> alone when none is a language skill.</summary>
    public static string[] Of(IEnumerable<string> skills, string defaultLanguage)
    {
        string[] spoken = [.. skills
            .Where(s => s.StartsWith(SkillPrefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => Primary(s[SkillPrefix.Length..]))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)];
        return spoken.Length > 0 ? spoken : Primary(defaultLanguage) is { } fallback ? [fallback] : [];
    }
}
