using HandoffBot.Escalation.Models;
using HandoffBot.Escalation.Text;
using HandoffBot.Protocol;

namespace HandoffBot.Escalation;

/// <summary>Where in the customer's words a signal was found: a word, a phrase or a sentence.</summary>
/// <param name="Text">The words as the customer wrote them.</param>
/// <param name="Offset">UTF-16 offset in the message text; -1 when the evidence is not a span (e.g. a trend).</param>
/// <param name="Kind">What the evidence is: <c>phrase</c>, <c>word</c>, <c>sentence</c>, <c>trend</c>, <c>score</c>.</param>
public sealed record Evidence(string Text, int Offset, string Kind);

/// <summary>One trigger's explained opinion about a turn.</summary>
/// <param name="Trigger">The trigger's configured name, e.g. <c>HumanRequest</c>.</param>
/// <param name="Score">Strength in [0,1].</param>
/// <param name="Fired">True when the score passed the trigger's threshold.</param>
/// <param name="Reason">One sentence a supervisor can read: why the trigger fired (or nearly did).</param>
/// <param name="Category">For category rules: the category (<c>fraud</c>, <c>legal</c>, ...); otherwise null.</param>
public sealed record EscalationSignal(
    string Trigger,
    double Score,
    bool Fired,
    string Reason,
    IReadOnlyList<Evidence> Evidence,
    string? Category = null);

/// <summary>Handoff priority; higher is more urgent. Fraud is the highest default.</summary>
public enum EscalationPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
    Urgent = 3,
}

/// <summary>
/// The escalation middleware's verdict for one customer turn. Never a bare boolean: it carries every signal
/// (fired or not), the category, priority and the queue/skill the handoff should go to.
/// </summary>
public sealed record EscalationDecision(
    bool Escalate,
    IReadOnlyList<EscalationSignal> Signals,
    string Category,
    EscalationPriority Priority,
    string Queue,
    string Skill,
    string Reason)
{
    public const string NoCategory = "none";

    /// <summary>The trained heads' probabilities for the message (null when the heads are off or not used).</summary>
    public ModelScores? Model { get; init; }

    /// <summary>What decided: <see cref="Heads"/>, or the rule triggers alone and why (heads off, another language).</summary>
    public string Detection { get; init; } = RulesOnly;

    /// <summary>The customer's language as the decision saw it: the channel's locale or the detected one (null: none, read as English).</summary>
    public string? Language { get; init; }

    public const string Heads = "trained heads";

    public const string RulesOnly = "rules only";

    public const string CheapStage = "cheap stage (short, no rule signal, not negative)";

    public IEnumerable<EscalationSignal> Fired => Signals.Where(s => s.Fired);

    public static EscalationDecision None(IReadOnlyList<EscalationSignal> signals) =>
        new(false, signals, NoCategory, EscalationPriority.Normal, "general", "general", "No trigger fired.");
}

/// <summary>What a trigger sees of a turn: the message, the assistant's answer and the conversation so far.</summary>
public sealed record TurnSnapshot(
    Activity Activity,
    string Text,
    SentimentResult? Sentiment,
    double? AnswerConfidence,
    EscalationHistory History,
    float[]? Embedding = null)
{
    private TokenizedText? _tokens;
    private float[]? _vector;

    /// <summary>The message's sentence vector if the heads needed it this turn (given, or computed once).</summary>
    public float[]? Vector => _vector ?? Embedding;

    internal float[] VectorOf(Embedding.ISentenceEmbedder embedder) => _vector ??= Embedding ?? embedder.Embed(Text);

    /// <summary>The message split into normalised words, once per turn and shared by every trigger.</summary>
    internal TokenizedText Tokens => _tokens is { } tokens && ReferenceEquals(tokens.Source, Text) ? tokens : _tokens = TokenizedText.Parse(Text);
}

/// <summary>
/// A named, configurable escalation trigger (YARP-style pluggable policy). Pure apart from optional I/O in
/// analyzers; returns null when it has nothing to say.
/// </summary>
public interface IEscalationTrigger
{
    string Name { get; }

    ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken);
}
