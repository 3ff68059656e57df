using BenchmarkDotNet.Attributes;
using HandoffBot.Escalation.Sentiment;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The local analyzer on typical customer messages (15-25 words). Budget: well under 10 µs and 1 KB each, since the
/// whole escalation detection of one message must stay under 20 µs and 2 KB.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SentimentBenchmarks
{
    private VaderSentimentAnalyzer _analyzer = null!;

    [Params(
        "I have asked three times already and my refund is still not here, this is really frustrating!",
        "Hi, could you please tell me when my order will arrive? I ordered the blue jacket last Tuesday.",
        "The courier was great but the parcel arrived damaged. This is the third time, I want a refund 😡")]
    public string Message { get; set; } = "";

    [GlobalSetup]
    public void Setup() =>
        _analyzer = new VaderSentimentAnalyzer(
            VaderLexicon.Load(Path.Combine(AppContext.BaseDirectory, "Lexicon", "vader_lexicon.txt")),
            CustomerServiceCues.Create(null));

    [Benchmark]
    public double Analyze() => _analyzer.Analyze(Message).Compound;
}
