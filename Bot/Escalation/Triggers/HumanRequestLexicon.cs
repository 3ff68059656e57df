using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using HandoffBot.Escalation.Text;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// <c>Resources/Lexicons/human-request.{language}.json</c>: every word the human-request rules look for, by role.
/// Every list is required (an empty list switches its rule off for the language); an unknown list is an error.
/// </summary>
internal sealed class HumanRequestLexiconFile
{
    /// <summary>True for languages whose verb may follow the person ("mit einem Mitarbeiter sprechen").</summary>
    public required bool VerbFinal { get; init; }

    /// <summary>The suffix of a progressive verb ("am I talking to a human" asks who it is); empty for none.</summary>
    public required string ProgressiveSuffix { get; init; }

    public required List<string> StrongNouns { get; init; }
    public required List<string> WeakNouns { get; init; }
    public required List<string> OneNouns { get; init; }
    public required List<string> OneModifiers { get; init; }
    public required List<string> FuzzyNouns { get; init; }
    public required List<string> NotNouns { get; init; }
    public required List<string> GluedPrefixes { get; init; }
    public required List<string> ContactVerbs { get; init; }
    public required List<string> FuzzyVerbs { get; init; }
    public required List<string> VerbPrefixes { get; init; }
    public required List<string> SlipVerbs { get; init; }
    public required List<string> SlipNotBefore { get; init; }
    public required List<string> Links { get; init; }
    public required List<string> FuzzyLinks { get; init; }
    public required List<string> Possessives { get; init; }
    public required List<string> PossessiveBridge { get; init; }
    public required List<string> ExcludedModifiers { get; init; }
    public required List<string> HumanModifiers { get; init; }
    public required List<string> NegationCues { get; init; }
    public required List<string> NegationBridge { get; init; }
    public required List<string> Fillers { get; init; }
    public required List<string> IdentityVerbs { get; init; }
    public required List<string> IdentitySubjects { get; init; }
    public required List<string> MachineWords { get; init; }
    public required List<string> OrWords { get; init; }
    public required List<string> PresenceWords { get; init; }
    public required List<string> PresenceSkip { get; init; }
    public required List<string> PresenceFollowers { get; init; }
    public required List<string> ActWords { get; init; }
    public required List<string> ActPrefixes { get; init; }
    public required List<string> ActObjects { get; init; }
    public required List<string> ActPrepositions { get; init; }
    public required List<string> ActPrepositionObjects { get; init; }
    public required List<string> ActNounPrecedents { get; init; }
    public required List<string> Modals { get; init; }
    public required List<string> ModalSkip { get; init; }
    public required List<string> EscalateWords { get; init; }
    public required List<string> TransferVerbs { get; init; }
    public required List<string> TransferObjects { get; init; }
}

/// <summary>A <see cref="HumanRequestLexiconFile"/> compiled into frozen word sets, with the deployment's extra words.</summary>
internal sealed class HumanRequestLexicon
{
    public HumanRequestLexicon(HumanRequestLexiconFile file, HumanRequestTriggerOptions options)
    {
        if (file.StrongNouns.Count == 0 || file.ContactVerbs.Count == 0)
        {
            throw new InvalidDataException("strongNouns and contactVerbs must not be empty");
        }
        VerbFinal = file.VerbFinal;
        ProgressiveSuffix = file.ProgressiveSuffix;
        StrongNouns = Set(file.StrongNouns, options.ExtraNouns);
        WeakNouns = Set(file.WeakNouns);
        OneNouns = Set(file.OneNouns);
        OneModifiers = Set(file.OneModifiers);
        FuzzyNouns = Lower(file.FuzzyNouns);
        NotNouns = Set(file.NotNouns);
        GluedPrefixes = [.. file.GluedPrefixes];
        ContactVerbs = Set(file.ContactVerbs);
        FuzzyVerbs = Lower(file.FuzzyVerbs);
        VerbPrefixes = [.. file.VerbPrefixes];
        SlipVerbs = Lower(file.SlipVerbs);
        SlipNotBefore = Set(file.SlipNotBefore);
        Links = Set(file.Links);
        FuzzyLinks = Lower(file.FuzzyLinks);
        Possessives = Set(file.Possessives);
        PossessiveBridge = Set(file.PossessiveBridge);
        ExcludedModifiers = Set(file.ExcludedModifiers, options.ExcludedModifiers);
        HumanModifiers = Set(file.HumanModifiers);
        NegationCues = Set(file.NegationCues);
        NegationBridge = Set(file.NegationBridge);
        Fillers = Set(file.Fillers);
        IdentityVerbs = Set(file.IdentityVerbs);
        IdentitySubjects = Set(file.IdentitySubjects);
        MachineWords = Set(file.MachineWords);
        OrWords = Set(file.OrWords);
        PresenceWords = Set(file.PresenceWords);
        PresenceSkip = Set(file.PresenceSkip);
        PresenceFollowers = Set(file.PresenceFollowers);
        ActWords = Set(file.ActWords);
        ActPrefixes = Set(file.ActPrefixes);
        ActObjects = Set(file.ActObjects);
        ActPrepositions = Set(file.ActPrepositions);
        ActPrepositionObjects = Set(file.ActPrepositionObjects);
        ActNounPrecedents = Set(file.ActNounPrecedents);
        Modals = Set(file.Modals);
        ModalSkip = Set(file.ModalSkip);
        EscalateWords = Set(file.EscalateWords);
        TransferVerbs = Set(file.TransferVerbs);
        TransferObjects = Set(file.TransferObjects);
    }

    public bool VerbFinal { get; }
    public string ProgressiveSuffix { get; }

    /// <summary>Human, agent, Mitarbeiter: a person at our end (strength 2); with the configured extra nouns.</summary>
    public WordSet StrongNouns { get; }

    /// <summary>Someone, anyone, jemand: a person only in a request (strength 1).</summary>
    public WordSet WeakNouns { get; }

    /// <summary>Weak nouns that count only after a <see cref="OneModifiers"/> word ("a real one").</summary>
    public WordSet OneNouns { get; }
    public WordSet OneModifiers { get; }

    /// <summary>Misspelling targets (lower case).</summary>
    public string[] FuzzyNouns { get; }

    /// <summary>Real words a misspelling match would otherwise mistake for a person noun.</summary>
    public WordSet NotNouns { get; }

    /// <summary>Words glued in front of a noun ("tosomebody", "anagent"), tried in order.</summary>
    public string[] GluedPrefixes { get; }
    public WordSet ContactVerbs { get; }
    public string[] FuzzyVerbs { get; }

    /// <summary>SMS prefixes glued to a contact verb ("utalk").</summary>
    public string[] VerbPrefixes { get; }

    /// <summary>Short verbs recognised with one slip right before a link ("talkk to").</summary>
    public string[] SlipVerbs { get; }
    public WordSet SlipNotBefore { get; }

    /// <summary>Words that may stand between a contact verb and the person noun.</summary>
    public WordSet Links { get; }

    /// <summary>Link words recognised with one slip ("wiht").</summary>
    public string[] FuzzyLinks { get; }
    public WordSet Possessives { get; }

    /// <summary>Words between a possessive and the noun ("my own manager").</summary>
    public WordSet PossessiveBridge { get; }

    /// <summary>Words that make the person someone else's ("travel agent"); with the configured ones.</summary>
    public WordSet ExcludedModifiers { get; }

    /// <summary>Words that say human right before a noun ("real person", "echten Menschen").</summary>
    public WordSet HumanModifiers { get; }
    public WordSet NegationCues { get; }

    /// <summary>Words that may stand between a negation and the request it negates ("don't really want to talk").</summary>
    public WordSet NegationBridge { get; }

    /// <summary>Words a short request may contain besides the person noun ("agent pls").</summary>
    public WordSet Fillers { get; }
    public WordSet IdentityVerbs { get; }
    public WordSet IdentitySubjects { get; }
    public WordSet MachineWords { get; }
    public WordSet OrWords { get; }

    /// <summary>"is there a human", "ist da jemand": the presence word, words skipped before the noun, words that may follow it.</summary>
    public WordSet PresenceWords { get; }
    public WordSet PresenceSkip { get; }
    public WordSet PresenceFollowers { get; }

    /// <summary>"can someone call me": the act, words before it, its object, and what may precede the noun.</summary>
    public WordSet ActWords { get; }
    public WordSet ActPrefixes { get; }
    public WordSet ActObjects { get; }
    public WordSet ActPrepositions { get; }
    public WordSet ActPrepositionObjects { get; }
    public WordSet ActNounPrecedents { get; }

    /// <summary>"can a human look at this": the modal and the words skipped between it and the noun.</summary>
    public WordSet Modals { get; }
    public WordSet ModalSkip { get; }

    /// <summary>"please escalate this", "transfer me".</summary>
    public WordSet EscalateWords { get; }
    public WordSet TransferVerbs { get; }
    public WordSet TransferObjects { get; }

    private static WordSet Set(List<string> words, List<string>? extra = null, [CallerArgumentExpression(nameof(words))] string list = "") =>
        PhraseLexicon.Words(extra is { Count: > 0 } ? [.. words, .. extra] : words, list.Replace("file.", string.Empty, StringComparison.Ordinal));

    /// <summary>Lower case, in the file's order (the first misspelling target that matches wins).</summary>
    private static string[] Lower(List<string> words)
    {
        _ = Set(words, list: "a misspelling list");
        return [.. words.Select(w => w.ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(HumanRequestLexiconFile))]
[JsonSerializable(typeof(UrgencyLexiconFile))]
[JsonSerializable(typeof(CategoryLexiconFile))]
internal sealed partial class LexiconJsonContext : JsonSerializerContext;
