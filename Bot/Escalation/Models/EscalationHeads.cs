using System.Text.Json;
using System.Text.Json.Serialization;
using HandoffBot.Assistant.Classification;

namespace HandoffBot.Escalation.Models;

/// <summary>One trained head: its classes, the calibrated model and the probability each class needs to count.</summary>
/// <param name="Thresholds">Class name -> minimum calibrated probability, chosen on validation data only.</param>
internal sealed record EscalationHead(string[] Classes, DenseSoftmaxModel Model, Dictionary<string, double> Thresholds)
{
    public int IndexOf(string name) => Array.IndexOf(Classes, name);
}

/// <summary>
/// The committed escalation heads (<c>Escalation/Models/heads.json</c>): which encoder and extra features they
/// were trained on, the heads, the validation metrics of the run that wrote them and the seeded command that
/// reproduces them.
/// </summary>
internal sealed record EscalationHeadFile(
    string Encoder,
    int Dimensions,
    string[] Extras,
    Dictionary<string, EscalationHead> Heads,
    SortedDictionary<string, double> Metrics,
    string Command)
{
    public const string Human = "human";
    public const string Urgent = "urgent";
    public const string Sentiment = "sentiment";
    public const string Category = "category";

    public static EscalationHeadFile Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize(stream, HeadJsonContext.Default.EscalationHeadFile)
            ?? throw new InvalidDataException($"{path} is empty.");
        foreach (var name in (string[])[Human, Urgent, Sentiment, Category])
        {
            if (!file.Heads.TryGetValue(name, out var head))
            {
                throw new InvalidDataException($"{path} has no '{name}' head.");
            }
            if (head.Model.FeatureCount != file.Dimensions + file.Extras.Length || head.Classes.Length != head.Model.ClassCount)
            {
                throw new InvalidDataException($"{path}: the '{name}' head does not match its {file.Dimensions} + {file.Extras.Length} features or its classes.");
            }
        }
        foreach (var extra in file.Extras)
        {
            if (!EscalationFeatures.Names.Contains(extra))
            {
                throw new InvalidDataException($"{path} uses the unknown feature '{extra}'.");
            }
        }
        return file;
    }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, this, HeadJsonContext.Default.EscalationHeadFile);
    }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EscalationHeadFile))]
internal sealed partial class HeadJsonContext : JsonSerializerContext;
