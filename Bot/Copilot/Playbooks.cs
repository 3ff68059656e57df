using System.Text.Json;
using System.Text.Json.Serialization;

namespace HandoffBot.Copilot;

/// <summary>One step of a playbook: what the agent does, a reply they can send (after editing), and the customer's cue words.</summary>
public sealed record PlaybookStep(string Id, string Step, string Reply, IReadOnlyList<string> Keywords);

/// <summary>What an agent does for an escalation category (<c>fraud</c>, ...) or a knowledge-base topic (<c>delivery</c>, ...).</summary>
public sealed record Playbook(string Id, string Title, IReadOnlyList<string> Categories, IReadOnlyList<string> Topics, IReadOnlyList<PlaybookStep> Steps)
{
    /// <summary>The playbook every handoff may use when nothing more specific fits.</summary>
    public const string DefaultId = "default";

    public bool Covers(string? category) => category is { Length: > 0 } && Categories.Contains(category, StringComparer.OrdinalIgnoreCase);
}

public sealed record PlaybookDocument(IReadOnlyList<Playbook> Playbooks);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(PlaybookDocument))]
internal sealed partial class PlaybookJsonContext : JsonSerializerContext;

/// <summary>
/// The playbooks in every shipped language (<c>Knowledge/playbooks.{language}.json</c>), checked once at start-up:
/// unique ids, a reply for every step, and the same step ids in every language (a source means the same step
/// whoever reads it). English is the fallback.
/// </summary>
public sealed class PlaybookLibrary
{
    public const string Fallback = "en";

    private readonly Dictionary<string, IReadOnlyList<Playbook>> _byLanguage;

    public PlaybookLibrary(IReadOnlyDictionary<string, PlaybookDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (!documents.TryGetValue(Fallback, out var english))
        {
            throw new InvalidDataException("The playbooks need an English file (playbooks.en.json).");
        }
        var englishIds = StepIds(english, Fallback);
        _byLanguage = new(StringComparer.OrdinalIgnoreCase);
        foreach (var (language, document) in documents)
        {
            var ids = StepIds(document, language);
            if (!ids.SetEquals(englishIds))
            {
                throw new InvalidDataException($"playbooks.{language}.json has other steps than playbooks.en.json: {string.Join(", ", ids.SymmetricExcept(englishIds))}.");
            }
            _byLanguage[language] = document.Playbooks;
        }
    }

    public IReadOnlyCollection<string> Languages => _byLanguage.Keys;

    /// <summary>The playbooks in <paramref name="language"/> (<c>de</c>, <c>de-DE</c>), else in English.</summary>
    public IReadOnlyList<Playbook> For(string? language)
    {
        var name = language is { Length: >= 2 } ? language[..2] : Fallback;
        return _byLanguage.TryGetValue(name, out var playbooks) ? playbooks : _byLanguage[Fallback];
    }

    /// <summary>Loads <c>playbooks.*.json</c> from <paramref name="folder"/>.</summary>
    public static PlaybookLibrary Load(string folder)
    {
        var documents = new Dictionary<string, PlaybookDocument>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(folder, "playbooks.*.json"))
        {
            var language = Path.GetFileNameWithoutExtension(file)["playbooks.".Length..];
            try
            {
                using var stream = File.OpenRead(file);
                documents[language] = JsonSerializer.Deserialize(stream, PlaybookJsonContext.Default.PlaybookDocument)
                    ?? throw new InvalidDataException($"Playbook file '{file}' is empty.");
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"Playbook file '{file}' is not valid JSON: {exception.Message}", exception);
            }
        }
        return new PlaybookLibrary(documents);
    }

    private static HashSet<string> StepIds(PlaybookDocument document, string language)
    {
        if (document.Playbooks is not { Count: > 0 })
        {
            throw new InvalidDataException($"playbooks.{language}.json has no playbooks.");
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var playbook in document.Playbooks)
        {
            foreach (var step in playbook.Steps ?? [])
            {
                if (string.IsNullOrWhiteSpace(step.Id) || string.IsNullOrWhiteSpace(step.Reply) || string.IsNullOrWhiteSpace(step.Step))
                {
                    throw new InvalidDataException($"playbooks.{language}.json: every step of '{playbook.Id}' needs an id, a step and a reply.");
                }
                if (!ids.Add(CopilotSource.PlaybookRef(playbook.Id, step.Id)))
                {
                    throw new InvalidDataException($"playbooks.{language}.json has step '{playbook.Id}/{step.Id}' twice.");
                }
            }
        }
        return ids;
    }
}

internal static class SetExtensions
{
    public static IEnumerable<string> SymmetricExcept(this HashSet<string> left, HashSet<string> right) =>
        left.Except(right, StringComparer.Ordinal).Concat(right.Except(left, StringComparer.Ordinal));
}
