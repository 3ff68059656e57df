using HandoffBot.Assistant.Classification;
using HandoffBot.Escalation.Embedding;

namespace HandoffBot.Assistant;

/// <summary>The assistant's best answer and how sure it is, in [0,1].</summary>
public sealed record AnswerResult(KnowledgeEntry? Entry, double Confidence);

/// <summary>Chooses an answer from the knowledge base with a confidence.</summary>
public interface IAnswerEngine
{
    AnswerResult Answer(string question);

    /// <summary>The answer, reusing the message's sentence vector when the turn has one (<c>MessageEmbedding</c>).</summary>
    AnswerResult Answer(string question, float[]? vector) => Answer(question);
}

/// <summary>
/// Answers with the knowledge-base entry a calibrated intent classifier picks (see
/// <see cref="IntentClassifier"/>): the confidence is the classifier's temperature-scaled probability, fitted by
/// cross-validation on the knowledge base itself, so a threshold means the same thing whatever the knowledge base.
/// Trained once, at start-up; answering is allocation-free apart from the result.
/// </summary>
internal sealed class ClassifierAnswerEngine : IAnswerEngine
{
    private static readonly AnswerResult NoWords = new(null, 0);

    private readonly IReadOnlyList<KnowledgeEntry> _entries;

    public ClassifierAnswerEngine(KnowledgeBase knowledge)
        : this(knowledge, new IntentClassifierOptions())
    {
    }

    public ClassifierAnswerEngine(KnowledgeBase knowledge, IntentClassifierOptions options)
        : this(knowledge, options, null)
    {
    }

    /// <param name="embedder">When given, a second classifier over the examples' sentence vectors is trained and
    /// the two are stacked (the mean of their calibrated probabilities; docs/assistant.md).</param>
    public ClassifierAnswerEngine(KnowledgeBase knowledge, IntentClassifierOptions options, ISentenceEmbedder? embedder)
    {
        ArgumentNullException.ThrowIfNull(knowledge);
        ArgumentNullException.ThrowIfNull(options);
        _entries = knowledge.Entries;
        if (_entries.Count < 2)
        {
            throw new InvalidDataException("The knowledge base needs at least two entries for the assistant to choose between.");
        }
        // The example phrasings are what customers ask (cross-validated for calibration); the answers are always
        // trained on too, since they name what the entry is about, but never held out.
        var examples = _entries.SelectMany((entry, label) => entry.Examples.Select(text => (Text: text, Label: label))).ToList();
        ExampleCount = examples.Count;
        Classifier = IntentClassifier.Train(
            [.. examples.Select(e => e.Text)], [.. examples.Select(e => e.Label)], _entries.Count, options,
            [.. _entries.Select(e => e.Answer)], [.. _entries.Select((_, label) => label)]);
        _embedder = embedder;
        if (embedder is not null)
        {
            // Examples and answers, as for the word classifier; the temperature from the training examples
            // (a knowledge base is too small to hold some out).
            var texts = examples.Select(e => e.Text).Concat(_entries.Select(e => e.Answer)).ToList();
            var labels = examples.Select(e => e.Label).Concat(_entries.Select((_, label) => label)).ToList();
            var vectors = embedder.EmbedBatch(texts, CancellationToken.None);
            _stacked = new StackedIntentClassifier(Classifier, EmbeddingIntentHead.Train(vectors, labels, _entries.Count));
        }
    }

    private readonly ISentenceEmbedder? _embedder;
    private readonly StackedIntentClassifier? _stacked;

    /// <summary>True when the sentence-vector classifier is stacked on the word classifier.</summary>
    public bool UsesVectors => _stacked is not null;

    public IntentClassifier Classifier { get; }

    public int ExampleCount { get; }

    /// <summary>How long training took (when built by <see cref="Train"/>), for the start-up log.</summary>
    public TimeSpan TrainingTime { get; private set; }

    /// <summary>Trains on <paramref name="knowledge"/>, timing it with <paramref name="time"/>.</summary>
    public static ClassifierAnswerEngine Train(KnowledgeBase knowledge, TimeProvider time, ISentenceEmbedder? embedder = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var engine = new ClassifierAnswerEngine(knowledge, new IntentClassifierOptions(), embedder);
        engine.TrainingTime = time.GetElapsedTime(started);
        return engine;
    }

    public AnswerResult Answer(string question) => Answer(question, null);

    public AnswerResult Answer(string question, float[]? vector)
    {
        if (!HasWord(question))
        {
            return NoWords;
        }
        var prediction = _stacked is null
            ? Classifier.Predict(question)
            : _stacked.Predict(question, vector ?? _embedder!.Embed(question)); // empty: words alone
        return new AnswerResult(_entries[prediction.Label], prediction.Probability);
    }

    private static bool HasWord(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                return true;
            }
        }
        return false;
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
