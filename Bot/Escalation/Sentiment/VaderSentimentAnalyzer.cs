using System.Buffers;
using System.Runtime.InteropServices;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>
/// The local sentiment analyzer: the VADER method (Hutto &amp; Gilbert, ICWSM 2014) written for this project from
/// the paper's description. Lexicon valences, adjusted by the rules the paper derives: negation in the three
/// preceding words, boosters and dampeners, ALL-CAPS emphasis when the text mixes case, the "but" shift (per
/// sentence), "least", idioms, exclamation and question marks; plus our emoji table and optional customer-service
/// cues. Scores are normalised to a compound in [-1,1] and to positive/neutral/negative proportions, per sentence
/// (UTF-16 offsets) and for the document. English only; the language argument is ignored.
/// </summary>
/// <remarks>
/// Allocation-free apart from the result: tokens are spans over one lower-cased copy of the text (on the stack for
/// short messages, pooled otherwise), and the lexicon is looked up by span.
/// </remarks>
internal sealed partial class VaderSentimentAnalyzer : ISentimentAnalyzer
{
    public const string AnalyzerName = "Local";

    /// <summary>Default |compound| a sentence needs to count as clearly positive or negative for <c>mixed</c>.</summary>
    public const double DefaultMixedThreshold = 0.3;

    private const int StackChars = 512;
    private const int StackTokens = 256;
    private const int StackSentences = 64;

    private static readonly SentimentScores NeutralScores = new(0, 1, 0);

    private static readonly SentimentResult EmptyResult =
        new(SentimentLabels.Neutral, NeutralScores, [], 0, AnalyzerName);

    private static readonly PhraseTable IdiomTable = new(VaderRules.Idioms);

    private readonly VaderLexicon lexicon;
    private readonly PhraseTable? cues;
    private readonly double mixedThreshold;

    public VaderSentimentAnalyzer(VaderLexicon lexicon, PhraseTable? cues, double mixedThreshold = DefaultMixedThreshold)
    {
        this.lexicon = lexicon;
        this.cues = cues;
        this.mixedThreshold = mixedThreshold;
    }

    public string Name => AnalyzerName;

    /// <summary>True when customer-service cues are applied.</summary>
    public bool UsesCustomerServiceCues => cues is not null;

    public ValueTask<SentimentResult> AnalyzeAsync(string text, string? language, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Analyze(text));

    public ValueTask<IReadOnlyList<SentimentResult>> AnalyzeBatchAsync(IReadOnlyList<string> texts, string? language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new SentimentResult[texts.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Analyze(texts[i]);
        }
        return ValueTask.FromResult<IReadOnlyList<SentimentResult>>(results);
    }

    public SentimentResult Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IsWhiteSpace())
        {
            return EmptyResult;
        }

        char[]? rentedChars = null;
        Token[]? rentedTokens = null;
        (int Start, int Length)[]? rentedSentences = null;
        try
        {
            var n = text.Length;
            var lower = n <= StackChars ? stackalloc char[n] : (rentedChars = ArrayPool<char>.Shared.Rent(n)).AsSpan(0, n);
            var maxTokens = n;
            var tokens = maxTokens <= StackTokens
                ? stackalloc Token[StackTokens]
                : (rentedTokens = ArrayPool<Token>.Shared.Rent(maxTokens)).AsSpan();
            var maxSentences = (n / 2) + 1;
            var sentences = maxSentences <= StackSentences
                ? stackalloc (int Start, int Length)[StackSentences]
                : (rentedSentences = ArrayPool<(int, int)>.Shared.Rent(maxSentences)).AsSpan();

            LowerCase(text, lower);
            var count = Tokenize(text, lower, tokens);
            tokens = tokens[..count];
            var sentenceCount = SplitSentences(text, sentences);
            sentences = sentences[..sentenceCount];

            ScoreTokens(text, lower, tokens);
            ApplyPhrases(lower, tokens, IdiomTable, checkNegation: false);
            if (cues is not null)
            {
                ApplyPhrases(lower, tokens, cues, checkNegation: true);
            }
            return BuildResult(text, lower, tokens, sentences);
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }
            if (rentedTokens is not null)
            {
                ArrayPool<Token>.Shared.Return(rentedTokens);
            }
            if (rentedSentences is not null)
            {
                ArrayPool<(int, int)>.Shared.Return(rentedSentences);
            }
        }
    }

    private static void LowerCase(ReadOnlySpan<char> text, Span<char> lower)
    {
        text.ToLowerInvariant(lower);
        for (var i = 0; i < lower.Length; i++)
        {
            if (lower[i] is '\u2019' or '\u2018' or '\u02BC')
            {
                lower[i] = '\'';
            }
        }
    }

}
