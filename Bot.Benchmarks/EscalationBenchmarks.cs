using BenchmarkDotNet.Attributes;
using HandoffBot.Escalation;
using HandoffBot.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Benchmarks;

/// <summary>
/// The whole escalation detection for one typical customer message: sentiment with the local analyzer, then every
/// trigger (human request, urgency, categories, sentiment, confidence) and the combined decision, with the lexicons
/// of the message's language (two English messages, one German). Bar (rules only): median at most 20 µs and at most
/// 2 KB allocated. With the trained heads (<see cref="Heads"/>) the English messages also run the sentence encoder
/// (they are longer than the cache's 64 characters, so every call runs it) and the four heads; the German one
/// stays on the rules (the heads know English only).
/// </summary>
[MemoryDiagnoser]
public class EscalationBenchmarks
{
    private static readonly Activity Turn = new() { Type = ActivityTypes.Message, ChannelId = "bench", Conversation = new ConversationAccount { Id = "bench" } };

    private ServiceProvider _services = null!;
    private EscalationDetector _detector = null!;
    private ISentimentAnalyzer _sentiment = null!;
    private EscalationHistory _history = null!;

    /// <summary>True: the trained heads decide (the default configuration); false: the rule triggers alone.</summary>
    [Params(false, true)]
    public bool Heads { get; set; }

    [ParamsSource(nameof(Messages))]
    public Message Input { get; set; } = null!;

    public static IEnumerable<Message> Messages { get; } =
    [
        new("en", "Hi, my order #4411 still hasn't arrived and it's been two weeks, can you check where it is?"),
        new("en", "this is ridiculous, I was charged twice and nobody answers. get me a real person asap!!"),
        new("de-DE", "Das ist doch lächerlich, mir wurde doppelt abgebucht. Ich möchte sofort mit einem Mitarbeiter sprechen!"),
    ];

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json")
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Escalation:Model:Enabled"] = Heads ? "true" : "false" })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEscalation();
        _services = services.BuildServiceProvider();
        _detector = _services.GetRequiredService<EscalationDetector>();
        _sentiment = _services.GetRequiredService<ISentimentAnalyzer>();
        _history = EscalationHistory.Empty with
        {
            Turns = [new EscalationTurn(DateTimeOffset.UnixEpoch, "hello", SentimentLabels.Neutral, 0.1, 0.8, false, [])],
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark]
    public async ValueTask<EscalationDecision> DetectOneMessage()
    {
        var sentiment = await _sentiment.AnalyzeAsync(Input.Text, "en", CancellationToken.None);
        return await _detector.EvaluateAsync(new TurnSnapshot(Input.Turn, Input.Text, sentiment, 0.72, _history), CancellationToken.None);
    }

    /// <summary>One customer message and its locale (shown as <c>locale: first words</c>).</summary>
    public sealed class Message(string locale, string text)
    {
        public string Text => text;

        internal Activity Turn { get; } = EscalationBenchmarks.Turn with { Text = text, Locale = locale };

        public override string ToString() => $"{Turn.Locale}: {Text[..24]}";
    }
}
