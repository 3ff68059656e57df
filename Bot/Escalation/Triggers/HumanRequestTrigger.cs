using HandoffBot.Escalation.Text;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Triggers;

/// <summary>
/// Explicit requests for a human. Rules over normalised words rather than a list of sentences:
/// <list type="number">
/// <item>a contact verb (talk, speak, chat, contact, get, put through, transfer, need, want, ...) followed within a few
/// linking words (to, with, me, a, real, live, customer service, ...) by a person noun (human, person, agent,
/// operator, representative, manager, someone, ...);</item>
/// <item>"is there a human (I can talk to)", "anyone there?";</item>
/// <item>a person noun asked to act: "can someone call me";</item>
/// <item>a short message that is little more than a person noun: "agent pls", "human!!", "operator".</item>
/// </list>
/// Person nouns tolerate misspellings (edit distance), SMS spellings are expanded by the tokenizer. Not a request:
/// someone else's person ("my travel agent", "my manager"), identity questions ("are you a human?"), a person as
/// the subject ("is a human checking orders?"), and negated requests ("I don't need a person").
/// </summary>
internal sealed class HumanRequestTrigger : IEscalationTrigger
{
    private const int MaxLink = 6;

    private static readonly WordSet StrongNouns = new(
    [
        "human", "humans", "person", "persons", "agent", "agents", "operator", "operators", "representative", "representatives",
        "manager", "managers", "supervisor", "supervisors", "employee", "employees", "staff", "associate", "advisor", "adviser",
        "consultant", "specialist", "humanbeing",
    ]);

    private static readonly WordSet WeakNouns = new(["someone", "somebody", "anyone", "anybody", "people", "assistant", "assistants", "one"]);

    /// <summary>Misspelling targets (lower case); "one" and "staff" only exactly.</summary>
    private static readonly string[] FuzzyNouns =
    [
        "human", "person", "agent", "operator", "representative", "manager", "supervisor", "employee",
        "someone", "somebody", "anyone", "anybody", "people", "assistant",
    ];

    /// <summary>Real words a misspelling match would otherwise mistake for a person noun.</summary>
    private static readonly WordSet NotNouns = new(
    [
        "assistance", "assist", "assists", "assisted", "agency", "agenda", "urgent", "managed", "manages", "manage", "personal",
        "persona", "humane", "operate", "operates", "operated", "operating", "operation", "operations", "represent", "represents",
        "represented", "supervise", "supervised", "employer", "employers", "employed", "employ", "someones", "anyones", "peoples",
        "agree", "agreed", "agrees",
    ]);

    private static readonly WordSet ContactVerbs = new(
    [
        "talk", "talks", "talking", "talked", "speak", "speaks", "speaking", "spoke", "chat", "chats", "chatting", "chatted",
        "contact", "contacting", "contacted", "reach", "reaching", "call", "calling", "ring", "phone", "connect", "connecting",
        "connected", "transfer", "transferring", "transferred", "transfered", "put", "get", "getting", "give", "direct",
        "redirect", "forward", "route", "pass", "escalate", "escalating", "bring", "need", "needs", "needed", "want", "wants",
        "wanted", "prefer", "request", "requesting", "requested", "meet", "send", "switch", "hand", "message", "dm", "email",
        "write", "discuss", "deal", "find",
    ]);

    private static readonly string[] FuzzyVerbs = ["talking", "speaking", "chatting", "contact", "contacting", "connect", "transfer", "speak"];

    /// <summary>Words that may stand between a contact verb and the person noun.</summary>
    private static readonly WordSet Links = new(
    [
        "to", "with", "me", "us", "a", "an", "the", "some", "one", "real", "live", "actual", "human", "your", "you", "through",
        "over", "directly", "please", "now", "just", "right", "away", "again", "another", "other", "different", "in", "touch",
        "on", "phone", "up", "speak", "talk", "chat", "can", "could", "i", "help", "assistance", "for", "customer", "service",
        "support", "care", "proper", "qualified", "senior", "genuine", "bloody", "damn", "goddamn", "fucking", "freaking",
        "flipping", "at", "least", "and", "or", "talking", "speaking", "chatting", "contact", "contacting", "get", "connect",
        "transfer", "be", "able", "immediately", "asap", "quickly", "living", "breathing", "competent", "helpful", "any",
        "more", "somebody", "someone", "kind", "sort", "of", "into", "via", "by", "from", "sales", "billing", "technical", "tech",
    ]);

    private static readonly WordSet Possessives = new(["my", "his", "her", "their", "our", "its", "mine", "whose"]);

    private static readonly WordSet BuiltInExcludedModifiers = new(
    [
        "travel", "insurance", "estate", "booking", "secret", "virtual", "ai", "chat", "digital", "automated", "delivery",
        "courier", "shipping", "free", "double", "undercover", "fbi", "cia", "property", "rental", "ticket", "talent", "sports",
        "that", "this", "which", "what", "no", "every", "each", "random", "other", "else", "bot", "robot", "machine",
    ]);

    private static readonly WordSet NegationCues = new(["not", "dont", "no", "never", "without", "doesnt", "didnt", "neither", "nor", "stop", "nobody"]);

    /// <summary>Words that may stand between a negation and the request it negates ("don't really want to talk").</summary>
    private static readonly WordSet NegationBridge = new(
    [
        "need", "want", "to", "really", "even", "have", "wish", "like", "would", "a", "an", "any", "the", "for", "me", "i", "do",
        "ever", "talk", "speak", "chat", "get", "with", "wanna", "care", "bother", "again", "yet", "just",
    ]);

    /// <summary>Words a short request may contain besides the person noun ("agent pls", "real person now!!").</summary>
    private static readonly WordSet Fillers = new(
    [
        "please", "now", "a", "an", "the", "i", "want", "need", "hi", "hello", "hey", "ok", "okay", "just", "me", "real", "live",
        "actual", "human", "to", "talk", "speak", "chat", "can", "could", "get", "give", "with", "you", "your", "is", "are",
        "there", "any", "some", "being", "customer", "service", "support", "care", "let", "connect", "transfer", "pass", "put",
        "through", "yes", "yeah", "already", "right", "away", "asap", "here", "available", "online", "this", "and", "or",
        "for", "on", "in", "of", "talking", "speaking", "contact", "reach", "send", "direct", "damn", "bloody", "fucking",
        "goddamn", "sir", "madam", "wait", "waiting", "still", "hello", "anyone", "someone", "somebody", "thanks", "thank",
        "am", "be", "would", "like", "quick", "quickly", "urgently", "urgent", "immediately", "again", "person",
    ]);

    private static readonly WordSet IdentityVerbs = new(["are", "am", "is", "was", "were"]);

    private static readonly WordSet IdentitySubjects = new(["you", "i", "this", "it", "that"]);

    private static readonly WordSet MachineWords = new(["bot", "robot", "machine", "ai", "computer", "program", "chatbot", "automated"]);

    private static readonly WordSet ActWords = new(["call", "ring", "phone", "contact", "help", "speak", "talk", "chat", "text", "email", "reach", "assist"]);

    private readonly double _threshold;
    private readonly WordSet _extraNouns;
    private readonly WordSet _excludedModifiers;

    public HumanRequestTrigger(IOptions<EscalationOptions> options)
    {
        var settings = options.Value.Triggers.HumanRequest;
        _threshold = settings.Threshold;
        _extraNouns = new WordSet(settings.ExtraNouns);
        _excludedModifiers = new WordSet(settings.ExcludedModifiers);
    }

    public string Name => TriggerNames.HumanRequest;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens));

    internal EscalationSignal? Evaluate(TokenizedText text)
    {
        var best = default(Finding);
        var negated = default(Finding);
        for (var n = 0; n < text.Count; n++)
        {
            var strength = NounStrength(text, n);
            if (strength == 0 || IsSomebodyElses(text, n) || IsIdentityQuestion(text, n))
            {
                continue;
            }
            var finding = FindRequest(text, n, strength);
            if (finding.Score <= 0)
            {
                continue;
            }
            if (finding.Negated || IsNegated(text, finding.NegationAnchor))
            {
                negated = finding;
            }
            else if (finding.Score > best.Score)
            {
                best = finding;
            }
        }
        if (best.Score <= 0)
        {
            best = Escalate(text);
        }
        if (best.Score > 0)
        {
            var evidence = text.Evidence(best.First, best.Last, "phrase");
            return new EscalationSignal(Name, best.Score, best.Score >= _threshold,
                $"The customer asked for a person: \"{evidence.Text}\".", [evidence]);
        }
        if (negated.Score > 0)
        {
            var evidence = text.Evidence(negated.First, negated.Last, "phrase");
            return new EscalationSignal(Name, 0, false, $"A person is mentioned but not wanted: \"{evidence.Text}\".", [evidence]);
        }
        return null;
    }

    /// <summary>0 when the word is not a person noun, 1 for someone/anyone-like nouns, 2 for human/agent-like nouns.</summary>
    private int NounStrength(TokenizedText text, int index)
    {
        var word = text.Word(index);
        if (StrongNouns.Contains(word) || _extraNouns.Contains(word))
        {
            return 2;
        }
        if (WeakNouns.Contains(word))
        {
            return word.Equals("one", StringComparison.OrdinalIgnoreCase) ? (IsRealOne(text, index) ? 2 : 0) : 1;
        }
        if (word.Length < 4 || NotNouns.Contains(word) || ContactVerbs.Contains(word) || Links.Contains(word))
        {
            return 0;
        }
        var fuzzy = FuzzyNoun(word);
        if (fuzzy is null && word.Length > 5)
        {
            // Glued words: "tosomebody", "anagent".
            foreach (var glue in (ReadOnlySpan<string>)["to", "an", "a", "with"])
            {
                if (word.StartsWith(glue, StringComparison.OrdinalIgnoreCase) && !NotNouns.Contains(word[glue.Length..]))
                {
                    fuzzy = StrongNouns.Contains(word[glue.Length..]) || WeakNouns.Contains(word[glue.Length..]) ? "glued" : FuzzyNoun(word[glue.Length..]);
                    if (fuzzy is not null)
                    {
                        break;
                    }
                }
            }
        }
        return fuzzy is null ? 0 : 1;
    }

    /// <summary>"a real one", "a live one": only with a modifier that says human.</summary>
    private static bool IsRealOne(TokenizedText text, int index) =>
        index > 0 && (text.Is(index - 1, "real") || text.Is(index - 1, "live") || text.Is(index - 1, "human"));

    private static string? FuzzyNoun(ReadOnlySpan<char> word)
    {
        foreach (var target in FuzzyNouns)
        {
            if (SameStart(word, target) && Fuzzy.IsNear(word, target))
            {
                // "assistanec" is "assistance" misspelt, not "assistant": the nearer word wins.
                var distance = Fuzzy.Distance(word, target, 2);
                foreach (var other in NotNouns.Words)
                {
                    if (other[0] == target[0] && Math.Abs(other.Length - word.Length) <= distance && Fuzzy.Distance(word, other, distance) < distance)
                    {
                        return null;
                    }
                }
                return target;
            }
        }
        return null;
    }

    /// <summary>A link word typed with one slip ("wiht", "wth", "tp") still links verb and noun.</summary>
    private static bool IsLink(ReadOnlySpan<char> word) =>
        Links.Contains(word)
        || (word.Length is >= 3 and <= 5 && word[0] is 'w' or 'W' && Fuzzy.Distance(word, "with", 1) <= 1);

    /// <summary>A short verb typed with one slip right before "to"/"with" ("talkk to", "chay with", "taok to").</summary>
    private static bool IsSlippedShortVerb(TokenizedText text, int index)
    {
        if (index + 1 >= text.Count || !(text.Is(index + 1, "to") || IsLink(text.Word(index + 1)) && !text.Is(index + 1, "a")))
        {
            return false;
        }
        var word = text.Word(index);
        return word.Length is >= 3 and <= 5 && !Links.Contains(word)
            && (Fuzzy.Distance(word, "talk", 1) <= 1 || Fuzzy.Distance(word, "chat", 1) <= 1);
    }

    private static bool SameStart(ReadOnlySpan<char> word, string target) =>
        char.ToLowerInvariant(word[0]) == target[0]
        || (word.Length > 1 && char.ToLowerInvariant(word[1]) == target[0] && char.ToLowerInvariant(word[0]) == target[1]);

    private static bool IsContactVerb(ReadOnlySpan<char> word)
    {
        if (ContactVerbs.Contains(word) || (word.Length > 4 && word[0] is 'u' or 'U' && ContactVerbs.Contains(word[1..])))
        {
            return true;
        }
        if (word.Length < 5 || Links.Contains(word) || NotNouns.Contains(word))
        {
            return false;
        }
        foreach (var target in FuzzyVerbs)
        {
            if (SameStart(word, target) && Fuzzy.IsNear(word, target))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>"my travel agent", "my own manager": a person who is not ours to give.</summary>
    private bool IsSomebodyElses(TokenizedText text, int n)
    {
        if (text[n].Possessive)
        {
            return true;
        }
        for (var k = n - 1; k >= 0 && k >= n - 3 && text[k].Clause == text[n].Clause; k--)
        {
            var word = text.Word(k);
            if (Possessives.Contains(word) || BuiltInExcludedModifiers.Contains(word) || _excludedModifiers.Contains(word))
            {
                return true;
            }
            if (!(word.Equals("own", StringComparison.OrdinalIgnoreCase) || word.Equals("usual", StringComparison.OrdinalIgnoreCase)
                || word.Equals("regular", StringComparison.OrdinalIgnoreCase) || word.Equals("local", StringComparison.OrdinalIgnoreCase)
                || word.Equals("new", StringComparison.OrdinalIgnoreCase) || word.Equals("old", StringComparison.OrdinalIgnoreCase)
                || word.Equals("former", StringComparison.OrdinalIgnoreCase) || word.Equals("account", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>"are you a human?", "am I talking to a real person?", "is this a bot or a human?".</summary>
    private static bool IsIdentityQuestion(TokenizedText text, int n)
    {
        var clause = text[n].Clause;
        if ((n + 2 < text.Count && text.Is(n + 1, "or") && MachineWords.Contains(text.Word(n + 2)))
            || (n >= 2 && text.Is(n - 1, "or") && MachineWords.Contains(text.Word(n - 2)))
            || (n >= 3 && text.Is(n - 2, "or") && MachineWords.Contains(text.Word(n - 3))))
        {
            return true;
        }
        for (var k = n - 1; k >= 1 && k >= n - 6 && text[k].Clause == clause; k--)
        {
            if (IdentitySubjects.Contains(text.Word(k)) && IdentityVerbs.Contains(text.Word(k - 1))
                && text[k - 1].Clause == clause && (k - 1 == 0 || text[k - 2].Clause != clause || !IsContactVerb(text.Word(k - 2))))
            {
                // "are you able to connect me to a human" is a request: the clause goes on with a contact verb.
                for (var j = k + 1; j < n; j++)
                {
                    if (IsContactVerb(text.Word(j)) && !text.Word(j).EndsWith("ing", StringComparison.OrdinalIgnoreCase))
                    {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static Finding FindRequest(TokenizedText text, int n, int strength)
    {
        var clause = text[n].Clause;
        var hasHumanModifier = n > 0 && (text.Is(n - 1, "real") || text.Is(n - 1, "live") || text.Is(n - 1, "human") || text.Is(n - 1, "actual"));
        var nounScore = strength == 2 || hasHumanModifier ? 0.95 : 0.85;

        // 1. contact verb ... person noun
        for (var k = n - 1; k >= 0 && k >= n - MaxLink && text[k].Clause == clause; k--)
        {
            var word = text.Word(k);
            if (IsContactVerb(word) || IsSlippedShortVerb(text, k))
            {
                // Keep going back through chained verbs ("want to talk to"), anchoring negation on the first.
                var first = k;
                for (var j = k - 1; j >= 0 && j >= k - 3 && text[j].Clause == clause; j--)
                {
                    if (IsContactVerb(text.Word(j)))
                    {
                        first = j;
                    }
                    else if (!Links.Contains(text.Word(j)))
                    {
                        break;
                    }
                }
                return new Finding(nounScore, first, n, first);
            }
            if (!IsLink(word))
            {
                break;
            }
        }

        // 2. "is there a human (I can talk to)?", "anyone there?"
        var before = n - 1;
        while (before >= 0 && text[before].Clause == clause && (text.Is(before, "a") || text.Is(before, "an") || text.Is(before, "any")
            || text.Is(before, "some") || text.Is(before, "real") || text.Is(before, "live") || text.Is(before, "actual") || text.Is(before, "human")))
        {
            before--;
        }
        var after = n + 1;
        var endsClause = after >= text.Count || text[after].Clause != clause;
        if (before >= 0 && text[before].Clause == clause && text.Is(before, "there")
            && (endsClause || text.Is(after, "i") || text.Is(after, "we") || text.Is(after, "available") || text.Is(after, "here")
                || text.Is(after, "who") || text.Is(after, "that") || text.Is(after, "to") || text.Is(after, "please") || text.Is(after, "online")))
        {
            return new Finding(nounScore - 0.1, before, n, before);
        }
        if (!endsClause && text.Is(after, "there") && (after + 1 >= text.Count || text[after + 1].Clause != clause))
        {
            return new Finding(nounScore - 0.1, n, after, n);
        }

        // 3. "can someone call me", "could an agent help me"
        var act = after;
        if (act < text.Count && (text.Is(act, "please") || text.Is(act, "can") || text.Is(act, "could")))
        {
            act++;
        }
        if (act + 1 < text.Count && text[act].Clause == clause && ActWords.Contains(text.Word(act))
            && (text.Is(act + 1, "me") || text.Is(act + 1, "us") || text.Is(act + 1, "back")
                || (act + 2 < text.Count && (text.Is(act + 1, "with") || text.Is(act + 1, "to")) && text.Is(act + 2, "me")))
            && n > 0 && (text.Is(n - 1, "can") || text.Is(n - 1, "could") || text.Is(n - 1, "please") || text.Is(n - 1, "will")
                || text.Is(n - 1, "would") || text.Is(n - 1, "a") || text.Is(n - 1, "an") || text.Is(n - 1, "real") || text.Is(n - 1, "live")))
        {
            return new Finding(nounScore - 0.15, n - 1, act + 1, n - 1);
        }

        // 3b. "can a human look at this", "could an agent check my order": a person (not just "someone") asked to act.
        if (strength == 2 && !endsClause)
        {
            var modal = n - 1;
            while (modal >= 0 && text[modal].Clause == clause && (text.Is(modal, "a") || text.Is(modal, "an") || text.Is(modal, "the")
                || text.Is(modal, "real") || text.Is(modal, "live") || text.Is(modal, "actual") || text.Is(modal, "human")))
            {
                modal--;
            }
            if (modal >= 0 && modal < n - 1 && text[modal].Clause == clause
                && (text.Is(modal, "can") || text.Is(modal, "could") || text.Is(modal, "would") || text.Is(modal, "will")))
            {
                return new Finding(0.8, modal, Math.Min(n + 1, text.Count - 1), modal);
            }
        }

        // 4. Short messages that are little more than the noun: "agent pls", "human!!", "real person now".
        var others = 0;
        for (var i = 0; i < text.Count && others <= 1; i++)
        {
            if (i != n && !Fillers.Contains(text.Word(i)))
            {
                others++;
            }
        }
        if (others == 0 || (others == 1 && text.Count <= 4))
        {
            var negated = false;
            for (var i = 0; i < text.Count; i++)
            {
                negated |= NegationCues.Contains(text.Word(i));
            }
            return new Finding(strength == 2 || hasHumanModifier ? 0.9 : 0.7, n, n, -1, negated);
        }
        return default;
    }

    /// <summary>"please escalate this": asking to escalate is asking for a person.</summary>
    private static Finding Escalate(TokenizedText text)
    {
        for (var i = 0; i < text.Count; i++)
        {
            if ((text.Is(i, "escalate") || text.Is(i, "escalation")) && !IsNegated(text, i))
            {
                return new Finding(0.8, i, i, i);
            }
            // "transfer me", "connect me please": in a chat with the assistant, a person is meant.
            if (text.Count <= 4 && i + 1 < text.Count && (text.Is(i, "transfer") || text.Is(i, "connect"))
                && (text.Is(i + 1, "me") || text.Is(i + 1, "us")) && !IsNegated(text, i))
            {
                var rest = 0;
                for (var j = 0; j < text.Count; j++)
                {
                    rest += j != i && j != i + 1 && !Fillers.Contains(text.Word(j)) ? 1 : 0;
                }
                if (rest == 0)
                {
                    return new Finding(0.7, i, i + 1, i);
                }
            }
        }
        return default;
    }

    /// <summary>A negation right before the request (up to five words), bridged only by words like "need", "want to", "really".</summary>
    private static bool IsNegated(TokenizedText text, int anchor) => text.IsNegatedBefore(anchor, 5, NegationCues, NegationBridge);

    private readonly record struct Finding(double Score, int First, int Last, int NegationAnchor, bool Negated = false);
}
