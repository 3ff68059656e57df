using HandoffBot.Escalation.Text;
using HandoffBot.Resources;
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

    private readonly double _threshold;
    private readonly Lexicon<HumanRequestLexicon> _lexicons;

    public HumanRequestTrigger(IOptions<EscalationOptions> options, LexiconFolder lexicons)
    {
        var settings = options.Value.Triggers.HumanRequest;
        _threshold = settings.Threshold;
        _lexicons = lexicons.Load(LexiconName, LexiconJsonContext.Default.HumanRequestLexicon, lexicon => lexicon.With(settings));
    }

    /// <summary>The word lists, <c>Resources/Lexicons/human-request.{language}.json</c>.</summary>
    public const string LexiconName = "human-request";

    public string Name => TriggerNames.HumanRequest;

    public ValueTask<EscalationSignal?> EvaluateAsync(TurnSnapshot turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Evaluate(turn.Tokens, _lexicons.For(turn.Activity.Locale)));

    internal EscalationSignal? Evaluate(TokenizedText text, HumanRequestLexicon w)
    {
        var best = default(Finding);
        var negated = default(Finding);
        for (var n = 0; n < text.Count; n++)
        {
            var strength = w.NounStrength(text, n);
            if (strength == 0 || IsSomebodyElses(text, n, w) || IsIdentityQuestion(text, n, w))
            {
                continue;
            }
            var finding = FindRequest(text, n, strength, w);
            if (finding.Score <= 0)
            {
                continue;
            }
            if (finding.Negated || IsNegated(text, finding.NegationAnchor, w))
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
            best = Escalate(text, w);
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


    /// <summary>"my travel agent", "my own manager": a person who is not ours to give.</summary>
    private static bool IsSomebodyElses(TokenizedText text, int n, HumanRequestLexicon w)
    {
        if (text[n].Possessive)
        {
            return true;
        }
        for (var k = n - 1; k >= 0 && k >= n - 3 && text[k].Clause == text[n].Clause; k--)
        {
            var word = text.Word(k);
            if (w.Possessives.Contains(word) || w.ExcludedModifiers.Contains(word))
            {
                return true;
            }
            if (!w.PossessiveBridge.Contains(word))
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>"are you a human?", "am I talking to a real person?", "is this a bot or a human?".</summary>
    private static bool IsIdentityQuestion(TokenizedText text, int n, HumanRequestLexicon w)
    {
        var clause = text[n].Clause;
        if ((n + 2 < text.Count && w.OrWords.Contains(text.Word(n + 1)) && w.MachineWords.Contains(text.Word(n + 2)))
            || (n >= 2 && w.OrWords.Contains(text.Word(n - 1)) && w.MachineWords.Contains(text.Word(n - 2)))
            || (n >= 3 && w.OrWords.Contains(text.Word(n - 2)) && w.MachineWords.Contains(text.Word(n - 3))))
        {
            return true;
        }
        for (var k = n - 1; k >= 1 && k >= n - 6 && text[k].Clause == clause; k--)
        {
            if (w.IdentitySubjects.Contains(text.Word(k)) && w.IdentityVerbs.Contains(text.Word(k - 1))
                && text[k - 1].Clause == clause && (k - 1 == 0 || text[k - 2].Clause != clause || !w.IsContactVerb(text.Word(k - 2))))
            {
                // "are you able to connect me to a human" is a request: the clause goes on with a contact verb
                // (after the noun too where the verb comes last: "ist es möglich, mit einem Menschen zu sprechen").
                var end = w.VerbFinal ? ClauseEnd(text, n) : n;
                for (var j = k + 1; j < end; j++)
                {
                    if (j != n && w.IsContactVerb(text.Word(j)) && !w.IsProgressive(text.Word(j)))
                    {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static Finding FindRequest(TokenizedText text, int n, int strength, HumanRequestLexicon w)
    {
        var clause = text[n].Clause;
        var hasHumanModifier = n > 0 && w.HumanModifiers.Contains(text.Word(n - 1));
        var nounScore = strength == 2 || hasHumanModifier ? 0.95 : 0.85;

        // 1. contact verb ... person noun
        for (var k = n - 1; k >= 0 && k >= n - MaxLink && text[k].Clause == clause; k--)
        {
            var word = text.Word(k);
            if (w.IsContactVerb(word) || w.IsSlippedShortVerb(text, k))
            {
                // Keep going back through chained verbs ("want to talk to"), anchoring negation on the first.
                var first = k;
                for (var j = k - 1; j >= 0 && j >= k - 3 && text[j].Clause == clause; j--)
                {
                    if (w.IsContactVerb(text.Word(j)))
                    {
                        first = j;
                    }
                    else if (!w.Links.Contains(text.Word(j)))
                    {
                        break;
                    }
                }
                return new Finding(nounScore, first, n, first);
            }
            if (!w.IsLink(word))
            {
                break;
            }
        }

        // 1b. person noun ... contact verb, where the verb comes last ("mit einem Mitarbeiter sprechen"); negation
        // is anchored on the first link before the noun ("nicht mit einem Mitarbeiter sprechen").
        if (w.VerbFinal && VerbAfter(text, n, w) is var verb and >= 0)
        {
            var first = n;
            while (first > 0 && first > n - MaxLink && text[first - 1].Clause == clause && w.Links.Contains(text.Word(first - 1)))
            {
                first--;
            }
            return new Finding(nounScore, first, verb, first);
        }

        // 2. "is there a human (I can talk to)?", "anyone there?"
        var before = n - 1;
        while (before >= 0 && text[before].Clause == clause && w.PresenceSkip.Contains(text.Word(before)))
        {
            before--;
        }
        var after = n + 1;
        var endsClause = after >= text.Count || text[after].Clause != clause;
        if (before >= 0 && text[before].Clause == clause && w.PresenceWords.Contains(text.Word(before))
            && (endsClause || w.PresenceFollowers.Contains(text.Word(after))))
        {
            return new Finding(nounScore - 0.1, before, n, before);
        }
        if (!endsClause && w.PresenceWords.Contains(text.Word(after)) && (after + 1 >= text.Count || text[after + 1].Clause != clause))
        {
            return new Finding(nounScore - 0.1, n, after, n);
        }

        // 3. "can someone call me", "could an agent help me"
        var act = after;
        if (act < text.Count && w.ActPrefixes.Contains(text.Word(act)))
        {
            act++;
        }
        if (act + 1 < text.Count && text[act].Clause == clause && w.ActWords.Contains(text.Word(act))
            && (w.ActObjects.Contains(text.Word(act + 1))
                || (act + 2 < text.Count && w.ActPrepositions.Contains(text.Word(act + 1)) && w.ActPrepositionObjects.Contains(text.Word(act + 2))))
            && n > 0 && w.ActNounPrecedents.Contains(text.Word(n - 1)))
        {
            return new Finding(nounScore - 0.15, n - 1, act + 1, n - 1);
        }

        // 3b. "can a human look at this", "could an agent check my order": a person (not just "someone") asked to act.
        if (strength == 2 && !endsClause)
        {
            var modal = n - 1;
            while (modal >= 0 && text[modal].Clause == clause && w.ModalSkip.Contains(text.Word(modal)))
            {
                modal--;
            }
            if (modal >= 0 && modal < n - 1 && text[modal].Clause == clause && w.Modals.Contains(text.Word(modal)))
            {
                return new Finding(0.8, modal, Math.Min(n + 1, text.Count - 1), modal);
            }
        }

        // 4. Short messages that are little more than the noun: "agent pls", "human!!", "real person now".
        var others = 0;
        for (var i = 0; i < text.Count && others <= 1; i++)
        {
            if (i != n && !w.Fillers.Contains(text.Word(i)))
            {
                others++;
            }
        }
        if (others == 0 || (others == 1 && text.Count <= 4))
        {
            var negated = false;
            for (var i = 0; i < text.Count; i++)
            {
                negated |= w.NegationCues.Contains(text.Word(i));
            }
            return new Finding(strength == 2 || hasHumanModifier ? 0.9 : 0.7, n, n, -1, negated);
        }
        return default;
    }

    /// <summary>The contact verb after the noun within a few link words of its clause, or -1.</summary>
    private static int VerbAfter(TokenizedText text, int n, HumanRequestLexicon w)
    {
        for (var k = n + 1; k < text.Count && k <= n + MaxLink && text[k].Clause == text[n].Clause; k++)
        {
            if (w.IsContactVerb(text.Word(k)))
            {
                return k;
            }
            if (!w.Links.Contains(text.Word(k)))
            {
                break;
            }
        }
        return -1;
    }

    private static int ClauseEnd(TokenizedText text, int n)
    {
        var end = n + 1;
        while (end < text.Count && text[end].Clause == text[n].Clause)
        {
            end++;
        }
        return end;
    }

    /// <summary>"please escalate this": asking to escalate is asking for a person.</summary>
    private static Finding Escalate(TokenizedText text, HumanRequestLexicon w)
    {
        for (var i = 0; i < text.Count; i++)
        {
            if (w.EscalateWords.Contains(text.Word(i)) && !IsNegated(text, i, w))
            {
                return new Finding(0.8, i, i, i);
            }
            // "transfer me", "connect me please": in a chat with the assistant, a person is meant.
            if (text.Count <= 4 && i + 1 < text.Count && w.TransferVerbs.Contains(text.Word(i))
                && w.TransferObjects.Contains(text.Word(i + 1)) && !IsNegated(text, i, w))
            {
                var rest = 0;
                for (var j = 0; j < text.Count; j++)
                {
                    rest += j != i && j != i + 1 && !w.Fillers.Contains(text.Word(j)) ? 1 : 0;
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
    private static bool IsNegated(TokenizedText text, int anchor, HumanRequestLexicon w) => text.IsNegatedBefore(anchor, 5, w.NegationCues, w.NegationBridge);

    private readonly record struct Finding(double Score, int First, int Last, int NegationAnchor, bool Negated = false);
}
