namespace HandoffBot.Assistant;

/// <summary>The assistant's best answer and how sure it is, in [0,1].</summary>
public sealed record AnswerResult(KnowledgeEntry? Entry, double Confidence);

/// <summary>Chooses an answer from the knowledge base with a confidence.</summary>
public interface IAnswerEngine
{
    AnswerResult Answer(string question);
}

/// <summary>
/// TF-IDF cosine similarity between the question and every example phrasing; the confidence is the best
/// similarity, so an unrelated question scores near 0 and a near-verbatim one near 1.
/// </summary>
public sealed class TfIdfAnswerEngine : IAnswerEngine
{
    private readonly KnowledgeBase _knowledge;
    private readonly Dictionary<string, double> _idf = new(StringComparer.Ordinal);
    private readonly List<(KnowledgeEntry Entry, Dictionary<string, double> Vector)> _examples = [];

    public TfIdfAnswerEngine(KnowledgeBase knowledge)
    {
        _knowledge = knowledge;
        var documents = knowledge.Entries.SelectMany(e => e.Examples.Select(x => (Entry: e, Terms: Tokenizer.Terms(x)))).ToList();
        foreach (var term in documents.SelectMany(d => d.Terms.Distinct()))
        {
            _idf[term] = _idf.GetValueOrDefault(term) + 1;
        }
        foreach (var term in _idf.Keys.ToList())
        {
            _idf[term] = Math.Log((1.0 + documents.Count) / (1.0 + _idf[term])) + 1.0;
        }
        foreach (var (entry, terms) in documents)
        {
            _examples.Add((entry, Vectorize(terms)));
        }
    }

    public AnswerResult Answer(string question)
    {
        var query = Vectorize(Tokenizer.Terms(question));
        if (query.Count == 0)
        {
            return new AnswerResult(null, 0);
        }
        KnowledgeEntry? best = null;
        var bestScore = 0.0;
        foreach (var (entry, vector) in _examples)
        {
            var score = 0.0;
            foreach (var (term, weight) in query)
            {
                if (vector.TryGetValue(term, out var other))
                {
                    score += weight * other;
                }
            }
            if (score > bestScore)
            {
                bestScore = score;
                best = entry;
            }
        }
        return new AnswerResult(best, Math.Clamp(bestScore, 0, 1));
    }

    private Dictionary<string, double> Vectorize(IReadOnlyList<string> terms)
    {
        var vector = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            // Terms never seen in the knowledge base still count against the match (they dilute it).
            vector[term] = vector.GetValueOrDefault(term) + _idf.GetValueOrDefault(term, Math.Log(1.0 + _knowledge.Entries.Count) + 1.0);
        }
        var norm = Math.Sqrt(vector.Values.Sum(v => v * v));
        foreach (var term in vector.Keys.ToList())
        {
            vector[term] /= norm;
        }
        return vector;
    }
}

/// <summary>Lower-cased word tokens without stop words.</summary>
public static class Tokenizer
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "i", "me", "my", "you", "your", "is", "are", "do", "does", "to", "of", "and", "or", "in", "on",
        "for", "it", "can", "how", "what", "please", "be", "with", "this", "that", "am", "was", "we", "our", "at",
    };

    public static IReadOnlyList<string> Terms(string text)
    {
        var terms = new List<string>();
        var span = text.AsSpan();
        var start = -1;
        for (var i = 0; i <= span.Length; i++)
        {
            var isWord = i < span.Length && (char.IsLetterOrDigit(span[i]) || span[i] == '\'');
            if (isWord && start < 0)
            {
                start = i;
            }
            else if (!isWord && start >= 0)
            {
                var word = span[start..i].ToString().ToLowerInvariant().Replace("'", string.Empty, StringComparison.Ordinal);
                if (word.Length > 0 && !StopWords.Contains(word))
                {
                    terms.Add(word);
                }
                start = -1;
            }
        }
        return terms;
    }
}
