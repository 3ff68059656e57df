using System.Collections.Frozen;

namespace HandoffBot.Resources;

/// <summary>Which shipped language answers an activity's locale: the one rule copy and lexicons share.</summary>
internal static class Locales
{
    /// <summary>The language every other language falls back to.</summary>
    public const string Fallback = "en";

    /// <summary>
    /// The entry of <paramref name="shipped"/> (keyed by language, case-insensitive) for <paramref name="locale"/>:
    /// the whole tag (<c>de</c>, <c>DE</c>), else its language part (<c>de-DE</c>, <c>de_AT</c> -> <c>de</c>), else
    /// <paramref name="fallback"/> (null, blank or an unshipped language such as <c>fr-FR</c>). No allocation.
    /// </summary>
    public static T Resolve<T>(string? locale, FrozenDictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> shipped, T fallback)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return fallback;
        }
        var tag = locale.AsSpan().Trim();
        if (shipped.TryGetValue(tag, out var whole))
        {
            return whole;
        }
        var dash = tag.IndexOfAny('-', '_');
        return dash > 0 && shipped.TryGetValue(tag[..dash], out var language) ? language : fallback;
    }

    /// <summary>The language of a file named <c>{name}.{language}.json</c>, or an error naming the file.</summary>
    public static (string Name, string Language) SplitFileName(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1)
        {
            throw new InvalidDataException($"{file}: the file name must be {{name}}.{{language}}.json (e.g. common.en.json).");
        }
        return (name[..dot], name[(dot + 1)..].ToLowerInvariant());
    }
}
