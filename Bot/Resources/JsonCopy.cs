using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HandoffBot.Resources;

/// <summary>
/// The <see cref="ICopy"/> over the JSON files in a folder (<c>{area}.{language}.json</c>), loaded and checked once:
/// English is required, a file that is not a flat object of key -> non-empty text, or a key in two files of one
/// language, stops start-up with a message naming the file. What a language lacks is in <see cref="Problems"/>.
/// </summary>
public sealed partial class JsonCopy : ICopy
{
    public const string Fallback = Locales.Fallback;

    private readonly FrozenDictionary<string, Language>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Language _english;

    public JsonCopy(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidDataException($"The copy folder {folder} does not exist (Resources/Copy is shipped beside the application).");
        }
        var texts = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var language = Locales.SplitFileName(file).Language;
            if (!texts.TryGetValue(language, out var all))
            {
                texts[language] = all = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            foreach (var (key, text) in Read(file))
            {
                if (string.IsNullOrWhiteSpace(text))
                {
                    throw new InvalidDataException($"{file}: the key '{key}' has no text.");
                }
                if (!all.TryAdd(key, text))
                {
                    throw new InvalidDataException($"{file}: the key '{key}' is also in another {language} file.");
                }
            }
        }
        if (!texts.ContainsKey(Fallback))
        {
            throw new InvalidDataException($"{folder} has no English copy (*.{Fallback}.json): English is the fallback of every language.");
        }
        var languages = texts.ToFrozenDictionary(
            l => l.Key, l => new Language(l.Key, CultureFor(l.Key), l.Value.ToFrozenDictionary(StringComparer.Ordinal)), StringComparer.OrdinalIgnoreCase);
        _lookup = languages.GetAlternateLookup<ReadOnlySpan<char>>();
        _english = languages[Fallback];
        Languages = [Fallback, .. languages.Keys.Where(l => l != Fallback).Order(StringComparer.Ordinal)];
        Problems = [.. FindProblems(languages)];
    }

    public IReadOnlyList<string> Languages { get; }

    /// <summary>Keys a language lacks (English is used for them), keys English lacks, and placeholders that differ.</summary>
    public IReadOnlyList<CopyProblem> Problems { get; }

    public string LanguageOf(string? locale) => Locales.Resolve(locale, _lookup, _english).Name;

    public string Get(string? locale, string key, params ReadOnlySpan<CopyArg> args)
    {
        var language = Locales.Resolve(locale, _lookup, _english);
        if (!language.Texts.TryGetValue(key, out var text))
        {
            if (!_english.Texts.TryGetValue(key, out text))
            {
                throw new KeyNotFoundException($"There is no copy '{key}' in the English files.");
            }
            language = _english;
        }
        return text.Contains('{', StringComparison.Ordinal) ? Fill(key, text, language.Culture, args) : text;
    }

    private static Dictionary<string, string> Read(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return JsonSerializer.Deserialize(stream, CopyJsonContext.Default.DictionaryStringString)
                ?? throw new InvalidDataException($"{file} is not a JSON object of key -> text.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{file} is not a JSON object of key -> text: {exception.Message}", exception);
        }
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

    /// <summary>Fills <c>{name}</c> placeholders; numbers and dates in the language's culture (invariant under InvariantGlobalization, as shipped).</summary>
    private static string Fill(string key, string text, CultureInfo culture, ReadOnlySpan<CopyArg> args)
    {
        var result = new StringBuilder(text.Length + 32);
        var at = 0;
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            result.Append(text, at, match.Index - at);
            var name = match.Groups[1].ValueSpan;
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
                throw new ArgumentException($"The copy '{key}' needs a value for {{{name}}}.", nameof(args));
            }
            at = match.Index + match.Length;
        }
        return result.Append(text, at, text.Length - at).ToString();
    }

    private static IEnumerable<CopyProblem> FindProblems(FrozenDictionary<string, Language> languages)
    {
        var english = languages[Fallback].Texts;
        foreach (var (name, language) in languages.Where(l => l.Key != Fallback).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            foreach (var (key, text) in english.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (!language.Texts.TryGetValue(key, out var translated))
                {
                    yield return new CopyProblem(name, key, "missing: the English text is used");
                }
                else if (!Placeholders(text).SetEquals(Placeholders(translated)))
                {
                    yield return new CopyProblem(name, key, $"placeholders differ from English ({string.Join(", ", Placeholders(text))})");
                }
            }
            foreach (var key in language.Texts.Keys.Where(k => !english.ContainsKey(k)).Order(StringComparer.Ordinal))
            {
                yield return new CopyProblem(name, key, "not in the English files: never used");
            }
        }
    }

    private static HashSet<string> Placeholders(string text) =>
        [.. PlaceholderPattern().Matches(text).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9]*)\}")]
    private static partial Regex PlaceholderPattern();

    private sealed record Language(string Name, CultureInfo Culture, FrozenDictionary<string, string> Texts);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CopyJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
