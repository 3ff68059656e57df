using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

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
    string Get(string? locale, string key, params ReadOnlySpan<CopyArg> args);

    /// <summary>The language <paramref name="locale"/> is answered in (<c>en</c> when none of its own is shipped).</summary>
    string LanguageOf(string? locale);
}

/// <summary>What <see cref="JsonCopy"/> found wrong with the shipped files (reported at start-up).</summary>
public sealed record CopyProblem(string Language, string Key, string Problem);

/// <summary>The <see cref="ICopy"/> over the JSON files in a folder (<c>{area}.{language}.json</c>); English is required.</summary>
public sealed partial class JsonCopy : ICopy
{
    public const string Fallback = "en";

    private readonly FrozenDictionary<string, FrozenDictionary<string, string>> _languages;

    public JsonCopy(string folder)
    {
        var languages = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var language = name[(name.LastIndexOf('.') + 1)..];
            using var stream = File.OpenRead(file);
            var entries = JsonSerializer.Deserialize(stream, CopyJsonContext.Default.DictionaryStringString)
                ?? throw new InvalidDataException($"{file} is not a JSON object of key -> text.");
            if (!languages.TryGetValue(language, out var all))
            {
                languages[language] = all = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            foreach (var (key, text) in entries)
            {
                if (!all.TryAdd(key, text))
                {
                    throw new InvalidDataException($"{file}: the key '{key}' is also in another {language} file.");
                }
            }
        }
        if (!languages.ContainsKey(Fallback))
        {
            throw new InvalidDataException($"{folder} has no English copy (*.{Fallback}.json): English is the fallback of every language.");
        }
        _languages = languages.ToFrozenDictionary(l => l.Key, l => l.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.OrdinalIgnoreCase);
        Languages = [Fallback, .. languages.Keys.Where(l => !l.Equals(Fallback, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
        Problems = [.. FindProblems()];
    }

    public IReadOnlyList<string> Languages { get; }

    /// <summary>Keys a language lacks (English is used for them), keys English lacks, and placeholders that differ.</summary>
    public IReadOnlyList<CopyProblem> Problems { get; }

    public string LanguageOf(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale))
        {
            return Fallback;
        }
        if (_languages.ContainsKey(locale))
        {
            return locale;
        }
        var dash = locale.IndexOfAny(['-', '_']);
        return dash > 0 && _languages.ContainsKey(locale[..dash]) ? locale[..dash] : Fallback;
    }

    public string Get(string? locale, string key, params ReadOnlySpan<CopyArg> args)
    {
        var language = LanguageOf(locale);
        if (!_languages[language].TryGetValue(key, out var text) && !_languages[Fallback].TryGetValue(key, out text))
        {
            throw new KeyNotFoundException($"There is no copy '{key}' in the English files.");
        }
        return args.Length == 0 && text.IndexOf('{', StringComparison.Ordinal) < 0 ? text : Fill(text, CultureFor(language), args);
    }

    private static CultureInfo CultureFor(string language)
    {
        try
        {
            return CultureInfo.GetCultureInfo(language);
        }
        catch (CultureNotFoundException)
        {
            return CultureInfo.InvariantCulture;
        }
    }

    private static string Fill(string text, CultureInfo culture, ReadOnlySpan<CopyArg> args)
    {
        var result = new StringBuilder(text.Length + 32);
        var at = 0;
        while (at < text.Length)
        {
            var open = text.IndexOf('{', at);
            var close = open < 0 ? -1 : text.IndexOf('}', open + 1);
            if (open < 0 || close < 0)
            {
                result.Append(text, at, text.Length - at);
                break;
            }
            result.Append(text, at, open - at);
            var name = text.AsSpan(open + 1, close - open - 1);
            var found = false;
            foreach (var arg in args)
            {
                if (name.Equals(arg.Name, StringComparison.Ordinal))
                {
                    result.Append(arg.Value is IFormattable formattable ? formattable.ToString(null, culture) : arg.Value?.ToString());
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                throw new ArgumentException($"The copy '{text}' needs a value for {{{name}}}.", nameof(args));
            }
            at = close + 1;
        }
        return result.ToString();
    }

    private IEnumerable<CopyProblem> FindProblems()
    {
        var english = _languages[Fallback];
        foreach (var language in Languages.Skip(1))
        {
            var entries = _languages[language];
            foreach (var (key, text) in english)
            {
                if (!entries.TryGetValue(key, out var translated))
                {
                    yield return new CopyProblem(language, key, "missing: the English text is used");
                }
                else if (!Placeholders(text).SetEquals(Placeholders(translated)))
                {
                    yield return new CopyProblem(language, key, $"placeholders differ from English ({string.Join(", ", Placeholders(text))})");
                }
            }
            foreach (var key in entries.Keys.Where(k => !english.ContainsKey(k)))
            {
                yield return new CopyProblem(language, key, "not in the English files: never used");
            }
        }
    }

    private static HashSet<string> Placeholders(string text) =>
        [.. PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex PlaceholderPattern();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CopyJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
