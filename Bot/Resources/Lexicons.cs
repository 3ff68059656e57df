using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HandoffBot.Resources;

/// <summary>
/// One lexicon (word lists, phrases) compiled once per shipped language; <see cref="For"/> picks the one of an
/// activity's locale, English when the language has none of its own.
/// </summary>
public sealed class Lexicon<T>
    where T : class
{
    private readonly FrozenDictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    internal Lexicon(string name, Dictionary<string, T> languages)
    {
        Name = name;
        var frozen = languages.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _lookup = frozen.GetAlternateLookup<ReadOnlySpan<char>>();
        English = frozen[Locales.Fallback];
        Languages = [Locales.Fallback, .. frozen.Keys.Where(l => l != Locales.Fallback).Order(StringComparer.Ordinal)];
    }

    /// <summary>The lexicon's file name stem, e.g. <c>human-request</c>.</summary>
    public string Name { get; }

    /// <summary>The languages the lexicon is shipped in, English first.</summary>
    public IReadOnlyList<string> Languages { get; }

    public T English { get; }

    /// <summary>The compiled lexicon for <paramref name="locale"/> (<c>de-DE</c> -> <c>de</c>; English when none). No allocation.</summary>
    public T For(string? locale) => Locales.Resolve(locale, _lookup, English);
}

/// <summary>
/// The folder of shipped lexicons, <c>Resources/Lexicons/{name}.{language}.json</c>. A file that is not valid JSON,
/// has an unknown or a missing list, or does not compile stops start-up with a message naming the file; English is
/// required (it is every other language's fallback).
/// </summary>
public sealed class LexiconFolder(string path)
{
    public string Path { get; } = path;

    /// <summary>Reads every language of lexicon <paramref name="name"/> and compiles each once.</summary>
    public Lexicon<T> Load<TFile, T>(string name, JsonTypeInfo<TFile> json, Func<TFile, T> compile)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(compile);
        if (!Directory.Exists(Path))
        {
            throw new InvalidDataException($"The lexicon folder {Path} does not exist (Resources/Lexicons is shipped beside the application).");
        }
        var languages = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(Path, name + ".*.json").Order(StringComparer.Ordinal))
        {
            var (stem, language) = Locales.SplitFileName(file);
            if (stem == name)
            {
                languages[language] = Compile(file, Read(file, json), compile);
            }
        }
        if (!languages.ContainsKey(Locales.Fallback))
        {
            throw new InvalidDataException($"{Path} has no English lexicon {name}.{Locales.Fallback}.json: English is the fallback of every language.");
        }
        return new Lexicon<T>(name, languages);
    }

    private static TFile Read<TFile>(string file, JsonTypeInfo<TFile> json)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return JsonSerializer.Deserialize(stream, json) ?? throw new InvalidDataException($"Lexicon {file} is empty.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"Lexicon {file} is malformed: {exception.Message}", exception);
        }
    }

    private static T Compile<TFile, T>(string file, TFile content, Func<TFile, T> compile)
    {
        try
        {
            return compile(content);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"Lexicon {file}: {exception.Message}", exception);
        }
    }
}
