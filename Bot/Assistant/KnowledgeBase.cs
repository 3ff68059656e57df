using System.Text.Json;
using System.Text.Json.Serialization;

namespace HandoffBot.Assistant;

/// <summary>One answerable topic: an id, a topic group, the answer, and example phrasings customers use.</summary>
public sealed record KnowledgeEntry(string Id, string Topic, string Answer, IReadOnlyList<string> Examples);

public sealed record KnowledgeBaseDocument(string Name, IReadOnlyList<KnowledgeEntry> Entries);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(KnowledgeBaseDocument))]
internal sealed partial class KnowledgeJsonContext : JsonSerializerContext;

/// <summary>The knowledge base the assistant answers from, loaded and checked once at start-up.</summary>
public sealed class KnowledgeBase
{
    public KnowledgeBase(KnowledgeBaseDocument document)
    {
        if (document.Entries is not { Count: > 0 })
        {
            throw new InvalidDataException("The knowledge base has no entries.");
        }
        var duplicate = document.Entries.GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"The knowledge base has two entries with id '{duplicate.Key}'.");
        }
        foreach (var entry in document.Entries)
        {
            if (string.IsNullOrWhiteSpace(entry.Id) || string.IsNullOrWhiteSpace(entry.Answer) || entry.Examples is not { Count: > 0 })
            {
                throw new InvalidDataException($"Knowledge base entry '{entry.Id}' needs an id, an answer and at least one example.");
            }
        }
        Name = document.Name;
        Entries = document.Entries;
    }

    public string Name { get; }

    public IReadOnlyList<KnowledgeEntry> Entries { get; }

    public static KnowledgeBase Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var document = JsonSerializer.Deserialize(stream, KnowledgeJsonContext.Default.KnowledgeBaseDocument)
                ?? throw new InvalidDataException($"Knowledge base '{path}' is empty.");
            return new KnowledgeBase(document);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"Knowledge base '{path}' is not valid JSON: {exception.Message}", exception);
        }
    }
}
