using System.Text.Json.Serialization;
using HandoffBot.Escalation.Text;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// <c>Resources/Lexicons/human-request.{language}.json</c>: every word the human-request rules look for, by role,
/// read straight into frozen word sets. Every list is required (an empty list switches its rule off for the
/// language); an unknown list, or an entry that is not one word, is an error naming it.
/// </summary>
internal sealed record HumanRequestLexicon
{
    /// <summary>True for languages whose verb may follow the person ("mit einem Mitarbeiter sprechen").</summary>
    public required bool VerbFinal { get; init; }

    /// <summary>The suffix of a progressive verb ("am I talking to a human" asks who it is); empty for none.</summary>
    public required string ProgressiveSuffix { get; init; }

    /// <summary>Human, agent, Mitarbeiter: a person at our end (strength 2); with the configured extra nouns.</summary>
    public required WordSet StrongNouns { get; init; }

    /// <summary>Someone, anyone, jemand: a person only in a request (strength 1).</summary>
    public required WordSet WeakNouns { get; init; }

    /// <summary>Weak nouns that count only after a <see cref="OneModifiers"/> word ("a real one").</summary>
    public required WordSet OneNouns { get; init; }

    public required WordSet OneModifiers { get; init; }

    /// <summary>Misspelling targets (lower case).</summary>
    [JsonConverter(typeof(LowerCaseWordsJsonConverter))]
    public required string[] FuzzyNouns { get; init; }

    /// <summary>Real words a misspelling match would otherwise mistake for a person noun.</summary>
    public required WordSet NotNouns { get; init; }

    /// <summary>Words glued in front of a noun ("tosomebody", "anagent"), tried in order.</summary>
    public required string[] GluedPrefixes { get; init; }

    public required WordSet ContactVerbs { get; init; }

    [JsonConverter(typeof(LowerCaseWordsJsonConverter))]
    public required string[] FuzzyVerbs { get; init; }

    /// <summary>SMS prefixes glued to a contact verb ("utalk").</summary>
    public required string[] VerbPrefixes { get; init; }

    /// <summary>Short verbs recognised with one slip right before a link ("talkk to").</summary>
    [JsonConverter(typeof(LowerCaseWordsJsonConverter))]
    public required string[] SlipVerbs { get; init; }

    public required WordSet SlipNotBefore { get; init; }

    /// <summary>Words that may stand between a contact verb and the person noun.</summary>
    public required WordSet Links { get; init; }

    /// <summary>Link words recognised with one slip ("wiht").</summary>
    [JsonConverter(typeof(LowerCaseWordsJsonConverter))]
    public required string[] FuzzyLinks { get; init; }

    public required WordSet Possessives { get; init; }

    /// <summary>Words between a possessive and the noun ("my own manager").</summary>
    public required WordSet PossessiveBridge { get; init; }

    /// <summary>Words that make the person someone else's ("travel agent"); with the configured ones.</summary>
    public required WordSet ExcludedModifiers { get; init; }

    /// <summary>Words that say human right before a noun ("real person", "echten Menschen").</summary>
    public required WordSet HumanModifiers { get; init; }

    public required WordSet NegationCues { get; init; }

    /// <summary>Words that may stand between a negation and the request it negates ("don't really want to talk").</summary>
    public required WordSet NegationBridge { get; init; }

    /// <summary>Words a short request may contain besides the person noun ("agent pls").</summary>
    public required WordSet Fillers { get; init; }

    public required WordSet IdentityVerbs { get; init; }

    public required WordSet IdentitySubjects { get; init; }

    public required WordSet MachineWords { get; init; }

    public required WordSet OrWords { get; init; }

    /// <summary>"is there a human", "ist da jemand": the presence word, words skipped before the noun, words that may follow it.</summary>
    public required WordSet PresenceWords { get; init; }

    public required WordSet PresenceSkip { get; init; }

    public required WordSet PresenceFollowers { get; init; }

    /// <summary>"can someone call me": the act, words before it, its object, and what may precede the noun.</summary>
    public required WordSet ActWords { get; init; }

    public required WordSet ActPrefixes { get; init; }

    public required WordSet ActObjects { get; init; }

    public required WordSet ActPrepositions { get; init; }

    public required WordSet ActPrepositionObjects { get; init; }

    public required WordSet ActNounPrecedents { get; init; }

    /// <summary>"can a human look at this": the modal and the words skipped between it and the noun.</summary>
    public required WordSet Modals { get; init; }

    public required WordSet ModalSkip { get; init; }

    /// <summary>"please escalate this", "transfer me".</summary>
    public required WordSet EscalateWords { get; init; }

    public required WordSet TransferVerbs { get; init; }

    public required WordSet TransferObjects { get; init; }

    /// <summary>The lexicon with the deployment's extra nouns and excluded modifiers (Escalation:Triggers:HumanRequest).</summary>
    public HumanRequestLexicon With(HumanRequestTriggerOptions options)
    {
        if (StrongNouns.Words.Count == 0 || ContactVerbs.Words.Count == 0)
        {
            throw new InvalidDataException("strongNouns and contactVerbs must not be empty");
        }
        return this with { StrongNouns = StrongNouns.With(options.ExtraNouns), ExcludedModifiers = ExcludedModifiers.With(options.ExcludedModifiers) };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true, Converters = [typeof(WordSetJsonConverter)])]
[JsonSerializable(typeof(HumanRequestLexicon))]
[JsonSerializable(typeof(UrgencyLexiconFile))]
[JsonSerializable(typeof(CategoryLexiconFile))]
internal sealed partial class LexiconJsonContext : JsonSerializerContext;
