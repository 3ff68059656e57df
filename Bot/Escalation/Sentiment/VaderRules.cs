using System.Collections.Frozen;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>
/// The constants and word lists of the VADER method as Hutto &amp; Gilbert (ICWSM 2014) describe it: empirically
/// derived increments for boosters and capitals, a negation scalar, punctuation amplifiers and the normalisation
/// constant. The word lists are ordinary English intensifiers, hedges and negations, written for this project.
/// </summary>
internal static class VaderRules
{
    /// <summary>Added to (or taken from) a sentiment word's valence by a preceding booster (dampener).</summary>
    public const float BoosterIncrement = 0.293f;

    /// <summary>Added to an ALL-CAPS sentiment word (or booster) when the text mixes capitals and lower case.</summary>
    public const float CapsIncrement = 0.733f;

    /// <summary>A negated sentiment word's valence is multiplied by this.</summary>
    public const float NegationScalar = -0.74f;

    /// <summary>"never so good", "never this bad": an intensification, not a negation.</summary>
    public const float NeverSoScalar = 1.25f;

    /// <summary>Per exclamation mark (at most four count).</summary>
    public const float ExclamationIncrement = 0.292f;

    /// <summary>Per question mark when there are two or three; more than three add <see cref="QuestionCap"/>.</summary>
    public const float QuestionIncrement = 0.18f;

    public const float QuestionCap = 0.96f;

    /// <summary>Words before "but" count half, words after it one and a half.</summary>
    public const float BeforeBut = 0.5f;

    public const float AfterBut = 1.5f;

    /// <summary>compound = x / sqrt(x² + alpha): the normalisation to [-1,1].</summary>
    public const float NormalizationAlpha = 15f;

    /// <summary>VADER's thresholds on compound for a 3-class label.</summary>
    public const double PositiveThreshold = 0.05;

    public const double NegativeThreshold = -0.05;

    private static readonly FrozenSet<string> Negations = FrozenSet.Create(StringComparer.Ordinal,
    [
        "not", "no", "never", "none", "nothing", "nowhere", "nobody", "neither", "nor", "nope", "without",
        "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt",
        "shouldnt", "couldnt", "hasnt", "havent", "hadnt", "aint", "mustnt", "mightnt", "neednt", "darent",
        "oughtnt", "shant", "uhuh", "uh-uh", "rarely", "seldom", "despite",
    ]);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> NegationLookup =
        Negations.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly FrozenDictionary<string, float> Boosters = BuildBoosters();

    private static readonly FrozenDictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> BoosterLookup =
        Boosters.GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenDictionary<string, float> BuildBoosters()
    {
        string[] up =
        [
            "absolutely", "amazingly", "awfully", "completely", "considerably", "decidedly", "deeply", "effing",
            "enormously", "entirely", "especially", "exceptionally", "extremely", "fabulously", "flipping", "flippin",
            "fricking", "frickin", "frigging", "friggin", "fully", "fucking", "fuckin", "greatly", "hella", "highly",
            "hugely", "incredibly", "intensely", "majorly", "more", "most", "particularly", "purely", "quite",
            "really", "remarkably", "so", "substantially", "thoroughly", "totally", "tremendously", "uber",
            "unbelievably", "unusually", "utterly", "very",
        ];
        string[] down =
        [
            "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginally",
            "occasionally", "partly", "scarcely", "slightly", "somewhat", "sorta", "sortof", "sort-of",
        ];
        var all = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var word in up)
        {
            all[word] = BoosterIncrement;
        }
        foreach (var word in down)
        {
            all[word] = -BoosterIncrement;
        }
        return all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Multi-word expressions whose meaning is not the sum of their words (the paper's idioms).</summary>
    internal static readonly (string Phrase, float Valence)[] Idioms =
    [
        ("the shit", 3f), ("the bomb", 3f), ("bad ass", 1.5f), ("badass", 1.5f), ("yeah right", -2f),
        ("kiss of death", -1.5f), ("to die for", 3f), ("cut the mustard", 2f), ("hand to mouth", -2f),
        ("beating heart", 3.5f), ("break a leg", 2f), ("bus stop", 0f),
    ];

    /// <summary>A negation: a word from the list or any contraction ending in n't (apostrophes already normalised).</summary>
    public static bool IsNegation(ReadOnlySpan<char> lowerToken) =>
        NegationLookup.Contains(lowerToken) || lowerToken.Contains("n't", StringComparison.Ordinal);

    /// <summary>The booster (positive) or dampener (negative) increment of a word, or 0.</summary>
    public static float BoosterOf(ReadOnlySpan<char> lowerToken) =>
        BoosterLookup.TryGetValue(lowerToken, out var value) ? value : 0f;

    public static bool IsBooster(ReadOnlySpan<char> lowerToken) => BoosterLookup.ContainsKey(lowerToken);

    public static float Normalize(float score)
    {
        var compound = score / MathF.Sqrt((score * score) + NormalizationAlpha);
        return Math.Clamp(compound, -1f, 1f);
    }

    public static string LabelOf(double compound) =>
        compound >= PositiveThreshold ? SentimentLabels.Positive
        : compound <= NegativeThreshold ? SentimentLabels.Negative
        : SentimentLabels.Neutral;
}
