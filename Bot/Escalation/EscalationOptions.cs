using System.Globalization;
using HandoffBot.Escalation.Text;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

/// <summary>
/// <c>Escalation</c> in appsettings.json: each trigger under <c>Escalation:Triggers:&lt;Name&gt;</c> with
/// <c>Enabled</c> and its thresholds or phrases. Unknown trigger names, unknown keys and bad values stop start-up
/// with a message naming the key.
/// </summary>
public sealed class EscalationOptions
{
    public const string Section = "Escalation";

    /// <summary>Turns of escalation history kept per conversation (for trends).</summary>
    public int HistoryTurns { get; set; } = 20;

    public EscalationTriggersOptions Triggers { get; set; } = new();

    /// <summary>The trained heads (<c>Escalation:Model</c>): on by default; off leaves the rule triggers alone.</summary>
    public EscalationModelOptions Model { get; set; } = new();

    /// <summary>True unless the trigger is known and switched off (triggers added by code are on).</summary>
    public bool IsEnabled(string trigger) => trigger switch
    {
        TriggerNames.HumanRequest => Triggers.HumanRequest.Enabled,
        TriggerNames.Urgency => Triggers.Urgency.Enabled,
        TriggerNames.Sentiment => Triggers.Sentiment.Enabled,
        TriggerNames.Confidence => Triggers.Confidence.Enabled,
        TriggerNames.Category => Triggers.Category.Enabled,
        TriggerNames.Conversation => Triggers.Conversation.Enabled,
        _ => true,
    };
}

/// <summary><c>Escalation:Model</c>: the trained heads over the sentence vector (docs/escalation.md).</summary>
public sealed class EscalationModelOptions
{
    public const string DefaultPath = "Escalation/Models/heads.json";

    /// <summary>When false, the decision is the rule triggers' (as before the heads).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The heads file, relative to the application folder unless rooted.</summary>
    public string Path { get; set; } = DefaultPath;

    /// <summary>Sentence vectors kept for repeated messages (lower-cased text up to <see cref="CacheableLength"/>); 0 turns the cache off.</summary>
    public int CacheEntries { get; set; } = 4096;

    /// <summary>Messages up to this many characters are cached ("yes", "agent", "where is my order?").</summary>
    public int CacheableLength { get; set; } = 64;

    public string FullPath => System.IO.Path.IsPathRooted(Path) ? Path : System.IO.Path.Combine(AppContext.BaseDirectory, Path);
}

/// <summary>The built-in triggers' names, as used in configuration, signals, ActiveReasons and CooldownReasons.</summary>
public static class TriggerNames
{
    public const string HumanRequest = "HumanRequest";
    public const string Urgency = "Urgency";
    public const string Sentiment = "Sentiment";
    public const string Confidence = "Confidence";
    public const string Category = "Category";
    public const string Conversation = "Conversation";

    public static IReadOnlyList<string> All { get; } = [HumanRequest, Urgency, Sentiment, Confidence, Category, Conversation];
}

public sealed class EscalationTriggersOptions
{
    public HumanRequestTriggerOptions HumanRequest { get; set; } = new();

    public UrgencyTriggerOptions Urgency { get; set; } = new();

    public SentimentTriggerOptions Sentiment { get; set; } = new();

    public ConfidenceTriggerOptions Confidence { get; set; } = new();

    public CategoryTriggerOptions Category { get; set; } = new();

    public ConversationTriggerOptions Conversation { get; set; } = new();
}

/// <summary>Signals of the conversation, not of one message: repeating, "I already told you", persisting frustration, shouting.</summary>
public sealed class ConversationTriggerOptions
{
    public bool Enabled { get; set; } = true;
}

/// <summary>Explicit requests for a human (direct, indirect, misspelt, SMS-style), not mere mentions.</summary>
public sealed class HumanRequestTriggerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Fires at or above this score (a plain request scores 0.7-0.95).</summary>
    public double Threshold { get; set; } = 0.5;

    /// <summary>More nouns that mean a person at our end (e.g. "concierge"), besides the built-in ones.</summary>
    public List<string> ExtraNouns { get; set; } = [];

    /// <summary>Words that, right before a person noun, make it somebody else (e.g. "travel" agent), besides the built-in ones.</summary>
    public List<string> ExcludedModifiers { get; set; } = [];
}

/// <summary>
/// Urgency phrases, unless negated ("not urgent", "no rush"). The shipped phrases are the lexicons
/// (<c>Resources/Lexicons/urgency.{language}.json</c>); these add a deployment's own to every language.
/// </summary>
public sealed class UrgencyTriggerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>More urgency phrases, besides the lexicon's.</summary>
    public List<string> Phrases { get; set; } = [];

    /// <summary>More phrases that say there is no urgency (they cancel the trigger for the message), besides the lexicon's.</summary>
    public List<string> NegatedBy { get; set; } = [];
}

/// <summary>Negative sentiment in one message and over the conversation.</summary>
public sealed class SentimentTriggerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>A message whose compound score is at or below this fires (VADER compound, -1..1).</summary>
    public double CompoundAtOrBelow { get; set; } = -0.6;

    /// <summary>A message labelled negative with at least this negative confidence fires.</summary>
    public double NegativeConfidenceAtLeast { get; set; } = 0.85;

    /// <summary>This many negative turns in a row (this one included) fire.</summary>
    public int NegativeTurnsInRow { get; set; } = 2;

    /// <summary>A turn counts as negative for the trend when its compound is at or below this (VADER's -0.05).</summary>
    public double NegativeTurnCompound { get; set; } = -0.05;

    /// <summary>A fall of the compound score by at least this much from the previous turn to a negative one fires.</summary>
    public double SharpDrop { get; set; } = 0.9;
}

/// <summary>The assistant's answer confidence (after it answered).</summary>
public sealed class ConfidenceTriggerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>An answer below this confidence is a low-confidence turn.</summary>
    public double Threshold { get; set; } = 0.65;

    /// <summary>This many low-confidence turns in a row (this one included) fire; 1 fires on the first.</summary>
    public int RepeatTurns { get; set; } = 2;
}

/// <summary>
/// Rule-based categories, each mapped to a queue, skill and priority. The shipped phrases per category are the lexicons
/// (<c>Resources/Lexicons/category.{language}.json</c>); a category needs phrases there or in its <c>Phrases</c>.
/// </summary>
public sealed class CategoryTriggerOptions
{
    public bool Enabled { get; set; } = true;

    public Dictionary<string, CategoryRuleOptions> Categories { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class CategoryRuleOptions
{
    public string Queue { get; set; } = "general";

    public string Skill { get; set; } = "general";

    public EscalationPriority Priority { get; set; } = EscalationPriority.Normal;

    /// <summary>More phrases for the category in every language, besides the lexicon's (a category of the deployment's own needs them).</summary>
    public List<string> Phrases { get; set; } = [];
}

/// <summary>
/// Binds <see cref="EscalationOptions"/> strictly: an unknown trigger name or key is an error naming it, and a value
/// that does not convert names its key (instead of being silently ignored).
/// </summary>
internal sealed class EscalationOptionsSetup(IConfiguration configuration) : IConfigureOptions<EscalationOptions>
{
    public void Configure(EscalationOptions options)
    {
        var section = configuration.GetSection(EscalationOptions.Section);
        foreach (var trigger in section.GetSection(nameof(EscalationOptions.Triggers)).GetChildren())
        {
            if (!TriggerNames.All.Contains(trigger.Key, StringComparer.Ordinal))
            {
                throw Fail($"Escalation:Triggers:{trigger.Key} is not a known trigger. Known triggers: {string.Join(", ", TriggerNames.All)} (names are case-sensitive).");
            }
        }
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException exception)
        {
            // The binder's outer message is vague ("binding has failed"); the inner one names the key and value.
            var message = string.Empty;
            for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
            {
                if (inner.InnerException is null || !inner.Message.Contains("binding has failed", StringComparison.Ordinal))
                {
                    message += (message.Length > 0 ? " " : string.Empty) + inner.Message;
                }
            }
            throw Fail($"Escalation configuration is invalid: {message}");
        }
    }

    private static OptionsValidationException Fail(string message) =>
        new(EscalationOptions.Section, typeof(EscalationOptions), [message]);
}

/// <summary>Range and phrase checks, each failure naming its key.</summary>
internal sealed class EscalationOptionsValidator : IValidateOptions<EscalationOptions>
{
    public ValidateOptionsResult Validate(string? name, EscalationOptions options)
    {
        var errors = new List<string>();
        var t = options.Triggers;
        if (options.HistoryTurns is < 2 or > 1000)
        {
            errors.Add("Escalation:HistoryTurns must be between 2 and 1000.");
        }
        if (options.Model.CacheEntries is < 0 or > 1_000_000 || options.Model.CacheableLength is < 0 or > 10_000)
        {
            errors.Add("Escalation:Model:CacheEntries must be between 0 and 1000000 and Escalation:Model:CacheableLength between 0 and 10000.");
        }
        if (options.Model.Enabled && (string.IsNullOrWhiteSpace(options.Model.Path) || !File.Exists(options.Model.FullPath)))
        {
            errors.Add($"Escalation:Model:Path '{options.Model.Path}' is not a file (looked for {options.Model.FullPath}); set Escalation:Model:Enabled to false to run on the rules alone.");
        }
        Probability(errors, "HumanRequest:Threshold", t.HumanRequest.Threshold);
        Words(errors, "HumanRequest:ExtraNouns", t.HumanRequest.ExtraNouns);
        Words(errors, "HumanRequest:ExcludedModifiers", t.HumanRequest.ExcludedModifiers);
        Phrases(errors, "Urgency:Phrases", t.Urgency.Phrases);
        Phrases(errors, "Urgency:NegatedBy", t.Urgency.NegatedBy);
        if (t.Sentiment.CompoundAtOrBelow is < -1 or > 1)
        {
            errors.Add("Escalation:Triggers:Sentiment:CompoundAtOrBelow must be between -1 and 1.");
        }
        if (t.Sentiment.NegativeTurnCompound is < -1 or > 1)
        {
            errors.Add("Escalation:Triggers:Sentiment:NegativeTurnCompound must be between -1 and 1.");
        }
        Probability(errors, "Sentiment:NegativeConfidenceAtLeast", t.Sentiment.NegativeConfidenceAtLeast);
        if (t.Sentiment.SharpDrop is <= 0 or > 2)
        {
            errors.Add("Escalation:Triggers:Sentiment:SharpDrop must be above 0 and at most 2.");
        }
        if (t.Sentiment.NegativeTurnsInRow is < 1 or > 20)
        {
            errors.Add("Escalation:Triggers:Sentiment:NegativeTurnsInRow must be between 1 and 20.");
        }
        Probability(errors, "Confidence:Threshold", t.Confidence.Threshold);
        if (t.Confidence.RepeatTurns is < 1 or > 20)
        {
            errors.Add("Escalation:Triggers:Confidence:RepeatTurns must be between 1 and 20.");
        }
        foreach (var (category, rule) in t.Category.Categories)
        {
            var key = $"Category:Categories:{category}";
            if (string.Equals(category, EscalationDecision.NoCategory, StringComparison.OrdinalIgnoreCase) || category.Length == 0)
            {
                errors.Add($"Escalation:Triggers:{key}: '{category}' cannot be a category name.");
            }
            if (string.IsNullOrWhiteSpace(rule.Queue) || string.IsNullOrWhiteSpace(rule.Skill))
            {
                errors.Add($"Escalation:Triggers:{key} needs a Queue and a Skill.");
            }
            if (!Enum.IsDefined(rule.Priority))
            {
                errors.Add($"Escalation:Triggers:{key}:Priority must be one of {string.Join(", ", Enum.GetNames<EscalationPriority>())}.");
            }
            Phrases(errors, $"{key}:Phrases", rule.Phrases);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Probability(List<string> errors, string key, double value)
    {
        if (double.IsNaN(value) || value is < 0 or > 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Escalation:Triggers:{key} must be between 0 and 1 (got {value})."));
        }
    }

    private static void Phrases(List<string> errors, string key, List<string> phrases)
    {
        for (var i = 0; i < phrases.Count; i++)
        {
            if (PhraseMatcher.Validate(phrases[i]) is { } error)
            {
                errors.Add($"Escalation:Triggers:{key}:{i}: {error}.");
            }
        }
    }

    private static void Words(List<string> errors, string key, List<string> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(words[i]) || !words[i].All(char.IsLetterOrDigit))
            {
                errors.Add($"Escalation:Triggers:{key}:{i} must be one word of letters or digits (got '{words[i]}').");
            }
        }
    }
}
