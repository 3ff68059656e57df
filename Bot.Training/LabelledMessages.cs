using System.Globalization;
using System.Text.Json;

namespace HandoffBot.Training;

/// <summary>Which part of the data a message belongs to: training, validation (calibration, thresholds) or test.</summary>
public enum DataPart
{
    Train,
    Validation,
    Test,
}

/// <summary>
/// One labelled message for the heads. A null label means the source says nothing about that signal.
/// <see cref="Sentiment"/>: 0 negative, 1 neutral, 2 positive, -1 "not negative" (our own sets; resolved to
/// neutral or positive from VADER's compound when features are built).
/// </summary>
public sealed record LabelledMessage(string Text, string Source, DataPart Part, double Weight, int? Human, int? Urgent, int? Sentiment, int? Category);

/// <summary>The sources of the heads' training data: our own sets and the public sets in the data folder.</summary>
public static class LabelledMessages
{
    /// <summary>Class order of the category head.</summary>
    public static readonly string[] Categories = ["none", "billing_dispute", "fraud", "legal"];

    /// <summary>Banking77 intent -> our category. Fraud: activity the customer did not make; dispute: charged wrongly.</summary>
    public static readonly IReadOnlyDictionary<string, string> Banking77Categories = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["compromised_card"] = "fraud",
        ["card_payment_not_recognised"] = "fraud",
        ["cash_withdrawal_not_recognised"] = "fraud",
        ["direct_debit_payment_not_recognised"] = "fraud",
        ["transaction_charged_twice"] = "billing_dispute",
    };

    /// <summary>VADER's corpora: key and file.</summary>
    public static readonly (string Key, string File)[] VaderCorpora =
    [
        ("tweets", "tweets_GroundTruth.txt"),
        ("movie", "movieReviewSnippets_GroundTruth.txt"),
        ("amazon", "amazonReviewSnippets_GroundTruth.txt"),
        ("nyt", "nytEditorialSnippets_GroundTruth.txt"),
    ];

    /// <summary>Weight of a message of our own training set against one public message.</summary>
    public const double OwnWeight = 10;

    /// <summary>A stable bucket in [0,100) from the text alone, so splits never depend on file order.</summary>
    public static int Bucket(string text, string salt)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in salt + "\u0001" + text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return (int)(hash % 100);
    }

    private static DataPart Part(string text, string salt, int train, int validation)
    {
        var bucket = Bucket(text, salt);
        return bucket < train ? DataPart.Train : bucket < train + validation ? DataPart.Validation : DataPart.Test;
    }

    /// <summary>A set in our TSV format: <c>domain human urgent negative category text</c> (header row first).</summary>
    public static List<(string Domain, bool Human, bool Urgent, bool Negative, string Category, string Text)> ReadOwn(string path)
    {
        var result = new List<(string, bool, bool, bool, string, string)>();
        var lines = File.ReadAllLines(path);
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0)
            {
                continue;
            }
            var f = lines[n].Split('\t');
            if (f.Length != 6 || Array.IndexOf(Categories, f[4]) < 0 || f[1] is not ("0" or "1") || f[2] is not ("0" or "1") || f[3] is not ("0" or "1"))
            {
                throw new InvalidDataException($"{path}:{n + 1}: expected domain, human 0/1, urgent 0/1, negative 0/1, a category of {string.Join('/', Categories)}, text.");
            }
            result.Add((f[0], f[1] == "1", f[2] == "1", f[3] == "1", f[4], f[5]));
        }
        return result;
    }

    /// <summary>Our own training files: every <c>escalation-train*.tsv</c> in <paramref name="folder"/>, in name order.</summary>
    public static string[] OwnFiles(string folder) =>
        [.. Directory.GetFiles(folder, "escalation-train*.tsv").Order(StringComparer.Ordinal)];

    /// <summary>Every training, validation and public test message, from our sets and the data folder.</summary>
    public static async Task<List<LabelledMessage>> LoadAsync(string dataFolder, IReadOnlyList<string> ownPaths, CancellationToken cancellationToken)
    {
        if (ownPaths.Count == 0)
        {
            throw new InvalidDataException("No own training set (escalation-train*.tsv) was found.");
        }
        var messages = new List<LabelledMessage>();
        foreach (var row in ownPaths.SelectMany(ReadOwn))
        {
            var part = Bucket(row.Text, "own") < 80 ? DataPart.Train : DataPart.Validation;
            messages.Add(new(row.Text, "own", part, OwnWeight, row.Human ? 1 : 0, row.Urgent ? 1 : 0, row.Negative ? 0 : -1, Array.IndexOf(Categories, row.Category)));
        }

        foreach (var row in await Csv.ReadAsync(Path.Combine(dataFolder, "bitext", "bitext_customer_support_sample.csv"), cancellationToken))
        {
            var text = row["instruction"];
            // contact_customer_service ("how do I reach customer service?") is often a request for a person in
            // other words: it says nothing either way about the human-request signal.
            int? human = row["intent"] switch { "contact_human_agent" => 1, "contact_customer_service" => null, _ => 0 };
            messages.Add(new(text, "bitext", Part(text, "bitext", 70, 15), 1, human, 0, null, 0));
        }

        foreach (var (file, test) in new[] { ("train.csv", false), ("test.csv", true) })
        {
            foreach (var row in await Csv.ReadAsync(Path.Combine(dataFolder, "banking77", file), cancellationToken))
            {
                var text = row["text"];
                var category = Array.IndexOf(Categories, Banking77Categories.GetValueOrDefault(row["category"], "none"));
                var part = test ? DataPart.Test : Part(text, "banking77", 85, 15);
                messages.Add(new(text, "banking77", part, 1, 0, 0, null, category));
            }
        }

        await using (var stream = File.OpenRead(Path.Combine(dataFolder, "clinc150", "data_full.json")))
        {
            var splits = await JsonSerializer.DeserializeAsync<Dictionary<string, List<List<string>>>>(stream, cancellationToken: cancellationToken)
                ?? throw new InvalidDataException("clinc150/data_full.json is empty.");
            // A quarter of the general-assistant queries, as messages that are none of our signals.
            foreach (var (split, part) in new[] { ("train", DataPart.Train), ("oos_train", DataPart.Train), ("val", DataPart.Validation), ("oos_val", DataPart.Validation) })
            {
                foreach (var pair in splits[split].Where(p => Bucket(p[0], "clinc") < 25))
                {
                    messages.Add(new(pair[0], "clinc150", part, 0.5, 0, 0, null, 0));
                }
            }
        }

        foreach (var (key, file) in VaderCorpora)
        {
            foreach (var line in await File.ReadAllLinesAsync(Path.Combine(dataFolder, "vader", file), cancellationToken))
            {
                var f = line.Split('\t');
                if (f.Length < 3 || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var rating))
                {
                    continue;
                }
                var sentiment = rating <= -0.05 ? 0 : rating >= 0.05 ? 2 : 1;
                messages.Add(new(f[2], "vader_" + key, Part(f[2], "vader", 70, 15), 0.5, 0, 0, sentiment, 0));
            }
        }
        return messages;
    }
}
