using System.Buffers;
using System.Runtime.InteropServices;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>VADER, sentences and scores: the "but" shift, normalisation, punctuation emphasis.</summary>
internal sealed partial class VaderSentimentAnalyzer
{
    /// <summary>Sentences end at a run of . ! ? … followed by white space or the end, and at line breaks.</summary>
    private static int SplitSentences(string text, Span<(int Start, int Length)> sentences)
    {
        var count = 0;
        var n = text.Length;
        var i = 0;
        while (i < n)
        {
            while (i < n && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i == n)
            {
                break;
            }
            var start = i;
            var end = n;
            while (i < n)
            {
                var c = text[i];
                if (c is '\n' or '\r')
                {
                    end = i;
                    break;
                }
                i++;
                if (c is '.' or '!' or '?' or '\u2026')
                {
                    while (i < n && text[i] is '.' or '!' or '?' or '\u2026' or ')' or '"' or '\'' or '\u201D' or '\u2019')
                    {
                        i++;
                    }
                    if (i == n || char.IsWhiteSpace(text[i]))
                    {
                        end = i;
                        break;
                    }
                }
            }
            var length = text.AsSpan(start, end - start).TrimEnd().Length;
            if (length > 0)
            {
                sentences[count++] = (start, length);
            }
            i = Math.Max(i, end);
        }
        return count;
    }

    private SentimentResult BuildResult(string text, ReadOnlySpan<char> lower, Span<Token> tokens, ReadOnlySpan<(int Start, int Length)> sentences)
    {
        // The "but" shift, as the paper has it: the first "but" of the text halves what precedes it and raises
        // what follows (measured: per sentence scores no better on the four corpora).
        ShiftAroundBut(lower, tokens);
        var first = 0;

        var document = Score(tokens, text);
        var results = new SentenceSentiment[sentences.Length];
        SentimentScores? documentScores = null;
        var clearlyPositive = false;
        var clearlyNegative = false;
        first = 0;
        for (var s = 0; s < sentences.Length; s++)
        {
            var (start, length) = sentences[s];
            var end = first;
            while (end < tokens.Length && tokens[end].Start < start + length)
            {
                end++;
            }
            var whole = sentences.Length == 1 && start == 0 && length == text.Length;
            var scores = whole ? document : Score(tokens[first..end], text.AsSpan(start, length));
            var confidence = new SentimentScores(scores.Positive, scores.Neutral, scores.Negative);
            if (whole)
            {
                documentScores = confidence;
            }
            results[s] = new SentenceSentiment(
                whole ? text : text.Substring(start, length),
                VaderRules.LabelOf(scores.Compound),
                confidence,
                start,
                length);
            clearlyPositive |= scores.Compound >= mixedThreshold;
            clearlyNegative |= scores.Compound <= -mixedThreshold;
            first = end;
        }

        var label = clearlyPositive && clearlyNegative ? SentimentLabels.Mixed : VaderRules.LabelOf(document.Compound);
        return new SentimentResult(
            label,
            documentScores ?? new SentimentScores(document.Positive, document.Neutral, document.Negative),
            results,
            document.Compound,
            AnalyzerName);
    }

    private static void ShiftAroundBut(ReadOnlySpan<char> lower, Span<Token> tokens)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            if (Word(lower, tokens, i) is not "but")
            {
                continue;
            }
            for (var k = 0; k < tokens.Length; k++)
            {
                tokens[k].Valence *= k < i ? VaderRules.BeforeBut : k > i ? VaderRules.AfterBut : 1f;
            }
            return;
        }
    }

    private readonly record struct Scores(double Compound, double Positive, double Neutral, double Negative);

    private static Scores Score(ReadOnlySpan<Token> tokens, ReadOnlySpan<char> text)
    {
        var sum = 0f;
        var positive = 0f;
        var negative = 0f;
        var neutral = 0;
        foreach (ref readonly var t in tokens)
        {
            sum += t.Valence;
            if (t.Valence > 0)
            {
                positive += t.Valence + 1f; // +1: a sentiment word also counts as a word of the text
            }
            else if (t.Valence < 0)
            {
                negative += t.Valence - 1f;
            }
            else
            {
                neutral++;
            }
        }

        var emphasis = PunctuationEmphasis(text);
        if (sum > 0)
        {
            sum += emphasis;
        }
        else if (sum < 0)
        {
            sum -= emphasis;
        }
        if (positive > -negative)
        {
            positive += emphasis;
        }
        else if (positive < -negative)
        {
            negative -= emphasis;
        }

        var total = positive - negative + neutral;
        if (total <= 0f || sum == 0f && positive == 0f && negative == 0f)
        {
            return new Scores(0, 0, 1, 0);
        }
        return new Scores(VaderRules.Normalize(sum), positive / total, neutral / total, -negative / total);
    }

    private static float PunctuationEmphasis(ReadOnlySpan<char> text)
    {
        var exclamations = text.Count('!');
        var questions = text.Count('?');
        var emphasis = Math.Min(exclamations, 4) * VaderRules.ExclamationIncrement;
        if (questions > 1)
        {
            emphasis += questions <= 3 ? questions * VaderRules.QuestionIncrement : VaderRules.QuestionCap;
        }
        return emphasis;
    }
}
