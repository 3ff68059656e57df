using System.Text;
using HandoffBot.Escalation.Language;
using HandoffBot.Escalation.Models;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

/// <summary>A trigger that needs the assistant's answer (its confidence), so it runs after the assistant.</summary>
public interface IPostAnswerTrigger : IEscalationTrigger;

/// <summary>
/// Runs the enabled triggers over a turn and combines their signals into one explained
/// <see cref="EscalationDecision"/>: escalate when any trigger fired (and its reason is not already being handled),
/// category and queue/skill from the category rule, priority from the category and urgency. Used by the middleware,
/// the <c>analyze</c> command, the evaluation and the benchmark alike.
/// </summary>
public sealed class EscalationDetector
{
    private static readonly EscalationDecision Nothing = EscalationDecision.None([]);

    private readonly IEscalationTrigger[] _beforeAnswer;
    private readonly IEscalationTrigger[] _afterAnswer;
    private readonly Dictionary<string, CategoryRuleOptions> _categories;
    private readonly TimeProvider _time;
    private readonly EscalationModelSource _model;
    private readonly Func<string, bool> _enabled;
    private readonly ICustomerLanguage _language;

    /// <summary>
    /// The turn with the customer's language: the channel's locale, or when it sends none the language detected from
    /// the text (a German message then gets the German lexicons and, like any language the heads were not trained
    /// on, the rules only). Live turns and the <c>analyze</c> command use it; the evaluations judge the text as given.
    /// </summary>
    public TurnSnapshot WithLanguage(TurnSnapshot turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (!string.IsNullOrEmpty(turn.Activity.Locale) || _language.Detect(turn.Text) is not { } detected || detected == "en")
        {
            return turn;
        }
        return turn with { Activity = turn.Activity with { Locale = detected } };
    }

    public EscalationDetector(IEnumerable<IEscalationTrigger> triggers, IOptions<EscalationOptions> options, TimeProvider time, EscalationModelSource model, ICustomerLanguage language)
    {
        _language = language;
        _model = model;
        _enabled = options.Value.IsEnabled;
        var enabled = triggers.Where(t => options.Value.IsEnabled(t.Name)).ToList();
        _beforeAnswer = [.. enabled.Where(t => t is not IPostAnswerTrigger)];
        _afterAnswer = [.. enabled.Where(t => t is IPostAnswerTrigger)];
        _categories = options.Value.Triggers.Category.Categories;
        _time = time;
    }

    /// <summary>True when some enabled trigger needs the assistant's answer.</summary>
    public bool NeedsAnswer => _afterAnswer.Length > 0;

    /// <summary>The triggers that look at the customer's words and sentiment (before the assistant answers).</summary>
    public ValueTask<EscalationDecision> EvaluateBeforeAnswerAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        RunAsync(_beforeAnswer, turn, null, _model.Model, cancellationToken);

    /// <summary>True when the trained heads make the decision (Escalation:Model:Enabled).</summary>
    public bool UsesModel => _model.Model is not null;

    /// <summary>The triggers that need the answer (confidence), combined with the signals from before the answer.</summary>
    public ValueTask<EscalationDecision> EvaluateAfterAnswerAsync(TurnSnapshot turn, EscalationDecision beforeAnswer, CancellationToken cancellationToken) =>
        RunAsync(_afterAnswer, turn, beforeAnswer, null, cancellationToken);

    /// <summary>Everything at once, for a turn whose answer confidence is already known (or not needed).</summary>
    public async ValueTask<EscalationDecision> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken)
    {
        var before = await EvaluateBeforeAnswerAsync(turn, cancellationToken);
        return _afterAnswer.Length == 0 || turn.AnswerConfidence is null ? before : await EvaluateAfterAnswerAsync(turn, before, cancellationToken);
    }

    private async ValueTask<EscalationDecision> RunAsync(IEscalationTrigger[] triggers, TurnSnapshot turn, EscalationDecision? earlier, EscalationModel? model, CancellationToken cancellationToken)
    {
        List<EscalationSignal>? signals = earlier is { Signals.Count: > 0 } ? [.. earlier.Signals] : null;
        foreach (var trigger in triggers)
        {
            var signal = await trigger.EvaluateAsync(turn, cancellationToken);
            if (signal is not null)
            {
                (signals ??= []).Add(signal);
            }
        }
        var scores = earlier?.Model;
        var detection = earlier?.Detection ?? EscalationDecision.RulesOnly;
        if (model is not null && turn.Text.Length > 0 && !IsEnglish(turn.Activity.Locale))
        {
            detection = $"rules only: the trained heads know English, the message is '{turn.Activity.Locale}'";
        }
        else if (model is not null && turn.Text.Length > 0 && IsClear(turn, signals))
        {
            // The cheap stage: a short message no rule says anything about and VADER does not find negative
            // ("ok", "yes thanks", "hello") never reaches the encoder.
            Interlocked.Increment(ref _cheapTurns);
            detection = EscalationDecision.CheapStage;
        }
        else if (model is not null && turn.Text.Length > 0)
        {
            Interlocked.Increment(ref _encoderTurns);
            detection = EscalationDecision.Heads;
            // The heads decide; the rule signals are their features and the evidence when they agree.
            var embedding = turn.VectorOf(_model.Embedder);
            IReadOnlyList<EscalationSignal> rules = signals ?? [];
            scores = model.Score(embedding, turn.Text, turn.Sentiment, rules);
            signals = model.Apply(scores, turn.Text, rules, _enabled);
        }
        var language = turn.Activity.Locale;
        return signals is null
            ? Nothing with { Detection = detection, Language = language }
            : Combine(signals, turn.History) with { Model = scores, Detection = detection, Language = language };
    }

    /// <summary>Turns the heads decided (the encoder ran or its cache answered) and turns the cheap stage settled.</summary>
    public (long Encoder, long Cheap) CascadeCounts => (Interlocked.Read(ref _encoderTurns), Interlocked.Read(ref _cheapTurns));

    private long _encoderTurns;
    private long _cheapTurns;

    /// <summary>Words at most in a message the cheap stage may settle.</summary>
    public const int CheapStageWords = 3;

    private static bool IsClear(TurnSnapshot turn, List<EscalationSignal>? rules)
    {
        if (rules is { Count: > 0 } || (turn.Sentiment is { } mood && (mood.Compound < 0 || mood.Sentiment == SentimentLabels.Negative)))
        {
            return false;
        }
        var words = 0;
        var inWord = false;
        foreach (var c in turn.Text)
        {
            var letter = char.IsLetterOrDigit(c);
            words += letter && !inWord ? 1 : 0;
            inWord = letter;
            if (c is '!' or '?')
            {
                return false;
            }
        }
        return words <= CheapStageWords;
    }

    /// <summary>No locale (most channels send none) counts as English, the language the heads were trained on.</summary>
    private static bool IsEnglish(string? locale) =>
        string.IsNullOrEmpty(locale) || locale.Equals("en", StringComparison.OrdinalIgnoreCase) || locale.StartsWith("en-", StringComparison.OrdinalIgnoreCase);

    private EscalationDecision Combine(List<EscalationSignal> signals, EscalationHistory history)
    {
        var now = _time.GetUtcNow();
        var inCooldown = history.CooldownUntil is { } until && now < until;
        var category = EscalationDecision.NoCategory;
        CategoryRuleOptions? rule = null;
        var priority = EscalationPriority.Normal;
        StringBuilder? reason = null;
        StringBuilder? suppressed = null;
        foreach (var signal in signals)
        {
            if (!signal.Fired)
            {
                continue;
            }
            if (signal.Category is { } name && rule is null && _categories.TryGetValue(name, out var found))
            {
                category = name;
                rule = found;
                priority = Max(priority, found.Priority);
            }
            if (IsSuppressed(signal.Trigger, history, inCooldown))
            {
                (suppressed ??= new StringBuilder()).Append(suppressed.Length > 0 ? ", " : string.Empty).Append(signal.Trigger);
                continue;
            }
            if (signal.Trigger == TriggerNames.Urgency)
            {
                priority = Max(priority, EscalationPriority.High);
            }
            (reason ??= new StringBuilder()).Append(reason.Length > 0 ? " " : string.Empty).Append(signal.Reason);
        }
        if (reason is null)
        {
            var why = suppressed is null
                ? "No trigger fired."
                : $"Not escalating again: {suppressed} already {(history.ActiveReasons.Count > 0 ? "being handled in the current handoff" : "handled (cool-down after handback)")}.";
            return new EscalationDecision(false, signals, category, priority, rule?.Queue ?? "general", rule?.Skill ?? "general", why);
        }
        return new EscalationDecision(true, signals, category, priority, rule?.Queue ?? "general", rule?.Skill ?? "general", reason.ToString());
    }

    /// <summary>
    /// A reason already being handled (ActiveReasons) never escalates again; within the cool-down after a handback the
    /// reasons in CooldownReasons (all, when none are listed) don't either, except an explicit request for a human.
    /// </summary>
    private static bool IsSuppressed(string trigger, EscalationHistory history, bool inCooldown)
    {
        if (Contains(history.ActiveReasons, trigger))
        {
            return true;
        }
        return inCooldown && trigger != TriggerNames.HumanRequest
            && (history.CooldownReasons.Count == 0 || Contains(history.CooldownReasons, trigger));
    }

    private static bool Contains(IReadOnlyList<string> reasons, string trigger)
    {
        for (var i = 0; i < reasons.Count; i++)
        {
            if (string.Equals(reasons[i], trigger, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static EscalationPriority Max(EscalationPriority a, EscalationPriority b) => a >= b ? a : b;
}
