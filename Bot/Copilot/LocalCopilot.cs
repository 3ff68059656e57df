using HandoffBot.Assistant;
using HandoffBot.Escalation.Embedding;

namespace HandoffBot.Copilot;

/// <summary>
/// Suggestions from local retrieval: every knowledge-base entry and every playbook step is a candidate, ranked by the
/// sentence encoder's similarity to what the customer said (the newest message counts most), the customer's cue words
/// for a step, the handoff's category (its playbook first) and the topic of the answer the assistant already tried.
/// Never suggested: the knowledge-base answer the assistant already gave (it did not help), and what the agent already
/// sent. The candidates' vectors are computed once per language, on first use.
/// </summary>
public sealed class LocalCopilot(KnowledgeBase knowledge, PlaybookLibrary playbooks, ISentenceEmbedder embedder) : ICopilot
{
    /// <summary>Weights of the ranking (docs/copilot.md explains each).</summary>
    internal const double AllWeight = 0.6, LastWeight = 0.4, CueBonus = 0.12, MaxCueBonus = 0.24, CategoryBonus = 0.12,
        TopicBonus = 0.08, NextStepBonus = 0.1, KnowledgePenalty = 0.05, DefaultScore = 0.2;

    private readonly Dictionary<string, Lazy<IReadOnlyList<Candidate>>> _candidates = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>A knowledge-base entry or playbook step with its vector.</summary>
    internal sealed record Candidate(CopilotSource Source, string Text, float[] Vector, IReadOnlyList<string> Keywords, Playbook? Playbook, int StepIndex, string? Topic);

    public Task<IReadOnlyList<CopilotSuggestion>> SuggestAsync(CopilotContext context, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CopilotSuggestion>>([.. Rank(context, cancellationToken).Take(max)]);

    /// <summary>Every candidate that may be suggested, best first.</summary>
    public IReadOnlyList<CopilotSuggestion> Rank(CopilotContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var candidates = CandidatesFor(context.Language);
        var customer = context.Lines.Where(l => l.Who == CopilotLine.Customer).Select(l => l.Text).ToList();
        if (customer.Count == 0 && context.OpenQuestion is { Length: > 0 } question)
        {
            customer.Add(question);
        }
        if (customer.Count == 0)
        {
            return [];
        }
        cancellationToken.ThrowIfCancellationRequested();
        var all = embedder.Embed(string.Join(" ", Enumerable.Reverse(customer)));
        var last = embedder.Embed(customer[^1]);
        var said = string.Join(" ", customer).ToLowerInvariant();
        var tried = Tried(context, candidates);
        var sent = context.Lines.Where(l => l.Who == CopilotLine.Agent).Select(l => l.Text.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var triedTopics = tried.Select(c => c.Topic).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var done = candidates.Where(c => c.Playbook is not null && sent.Contains(c.Text.Trim())).ToList();

        var ranked = new List<CopilotSuggestion>();
        foreach (var candidate in candidates)
        {
            if (tried.Contains(candidate) || sent.Contains(candidate.Text.Trim()))
            {
                continue;
            }
            var score = Score(candidate, context.Category, all, last, said, triedTopics, done);
            ranked.Add(new CopilotSuggestion(candidate.Source.Ref, candidate.Text, candidate.Source, Math.Round(score, 4), CopilotSuggestion.LocalOrigin));
        }
        return [.. ranked.OrderByDescending(s => s.Score).ThenBy(s => s.Source.Ref, StringComparer.Ordinal)];
    }

    private static double Score(Candidate candidate, string category, float[] all, float[] last, string said, HashSet<string> triedTopics, List<Candidate> done)
    {
        if (candidate.Playbook?.Id == Playbook.DefaultId)
        {
            return DefaultScore - 0.01 * candidate.StepIndex;
        }
        var score = AllWeight * Dot(all, candidate.Vector) + LastWeight * Dot(last, candidate.Vector);
        if (candidate.Playbook is not { } playbook)
        {
            return score - KnowledgePenalty;
        }
        var cues = candidate.Keywords.Count(k => said.Contains(k, StringComparison.Ordinal));
        score += Math.Min(MaxCueBonus, cues * CueBonus);
        if (playbook.Covers(category))
        {
            score += CategoryBonus;
        }
        if (playbook.Topics.Any(triedTopics.Contains))
        {
            score += TopicBonus;
        }
        if (done.Any(d => d.Playbook == playbook && d.StepIndex == candidate.StepIndex - 1))
        {
            score += NextStepBonus;
        }
        return score;
    }

    /// <summary>The knowledge-base entries whose answer the assistant already gave in this conversation.</summary>
    private static HashSet<Candidate> Tried(CopilotContext context, IReadOnlyList<Candidate> candidates)
    {
        var answers = context.Lines.Where(l => l.Who == CopilotLine.Assistant).Select(l => l.Text.Trim()).ToHashSet(StringComparer.Ordinal);
        return [.. candidates.Where(c => c.Playbook is null && answers.Contains(c.Text.Trim()))];
    }

    private IReadOnlyList<Candidate> CandidatesFor(string? language)
    {
        var playbookSet = playbooks.For(language);
        var key = playbooks.Languages.FirstOrDefault(l => ReferenceEquals(playbooks.For(l), playbookSet)) ?? PlaybookLibrary.Fallback;
        Lazy<IReadOnlyList<Candidate>> lazy;
        lock (_lock)
        {
            if (!_candidates.TryGetValue(key, out lazy!))
            {
                lazy = new Lazy<IReadOnlyList<Candidate>>(() => Build(playbookSet), LazyThreadSafetyMode.ExecutionAndPublication);
                _candidates[key] = lazy;
            }
        }
        return lazy.Value;
    }

    private List<Candidate> Build(IReadOnlyList<Playbook> playbookSet)
    {
        var candidates = new List<Candidate>();
        foreach (var entry in knowledge.Entries)
        {
            var vectors = embedder.EmbedBatch([entry.Answer, .. entry.Examples], CancellationToken.None);
            candidates.Add(new Candidate(new CopilotSource(CopilotSource.KnowledgeBase, CopilotSource.KnowledgeRef(entry.Id), $"{entry.Id} ({entry.Topic})"),
                entry.Answer, Mean(vectors), [], null, 0, entry.Topic));
        }
        foreach (var playbook in playbookSet)
        {
            var texts = playbook.Steps.Select(s => s.Step + " " + string.Join(", ", s.Keywords)).ToList();
            var vectors = embedder.EmbedBatch(texts, CancellationToken.None);
            for (var i = 0; i < playbook.Steps.Count; i++)
            {
                var step = playbook.Steps[i];
                candidates.Add(new Candidate(new CopilotSource(CopilotSource.Playbook, CopilotSource.PlaybookRef(playbook.Id, step.Id), $"{playbook.Title}: {step.Step}"),
                    step.Reply, Normalize(vectors[i]), [.. step.Keywords.Select(k => k.ToLowerInvariant())], playbook, i, null));
            }
        }
        return candidates;
    }

    private static float[] Mean(float[][] vectors)
    {
        var mean = new float[vectors[0].Length];
        foreach (var vector in vectors)
        {
            for (var i = 0; i < mean.Length; i++)
            {
                mean[i] += vector[i];
            }
        }
        return Normalize(mean);
    }

    private static float[] Normalize(float[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        return norm == 0 ? vector : [.. vector.Select(v => (float)(v / norm))];
    }

    private static double Dot(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return 0; // an empty vector (nothing to embed)
        }
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
