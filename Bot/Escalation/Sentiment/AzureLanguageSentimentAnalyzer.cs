using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation.Sentiment;

/// <summary>
/// Azure AI Language sentiment (<c>POST {endpoint}/language/:analyze-text?api-version=2024-11-01</c>, kind
/// SentimentAnalysis, UTF-16 offsets). Batches of at most 10 documents; a text longer than 5,120 text elements is
/// sent in parts (cut at white space where possible) whose results are merged back, offsets shifted. Retries on
/// 429/5xx honouring Retry-After and the overall timeout come from the HttpClient's resilience handler (see
/// <see cref="SentimentServiceCollectionExtensions"/>). Whatever fails (a per-document error, 401/403, timeout, a
/// broken response) is answered by the local analyzer and logged.
/// </summary>
internal sealed partial class AzureLanguageSentimentAnalyzer(
    HttpClient http,
    VaderSentimentAnalyzer local,
    IOptions<SentimentOptions> options,
    ILogger<AzureLanguageSentimentAnalyzer> logger) : ISentimentAnalyzer
{
    public const string AnalyzerName = "AzureLanguage";
    public const string HttpClientName = "AzureLanguage";
    internal const int MaxDocumentsPerRequest = 10;
    internal const int MaxTextElementsPerDocument = 5120;

    private readonly AzureLanguageOptions azure = options.Value.Azure;

    public string Name => AnalyzerName;

    public async ValueTask<SentimentResult> AnalyzeAsync(string text, string? language, CancellationToken cancellationToken) =>
        (await AnalyzeBatchAsync([text], language, cancellationToken))[0];

    public async ValueTask<IReadOnlyList<SentimentResult>> AnalyzeBatchAsync(IReadOnlyList<string> texts, string? language, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new SentimentResult?[texts.Count];
        // Every part of every non-blank text, in order; blank texts need no call.
        var parts = new List<Part>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                results[i] = local.Analyze(texts[i]);
                continue;
            }
            foreach (var (offset, length) in Split(texts[i]))
            {
                parts.Add(new Part(i, offset, texts[i].Substring(offset, length)));
            }
        }

        var partResults = new Dictionary<int, AzureDocument>();
        for (var first = 0; first < parts.Count; first += MaxDocumentsPerRequest)
        {
            var batch = parts.GetRange(first, Math.Min(MaxDocumentsPerRequest, parts.Count - first));
            try
            {
                await SendAsync(batch, first, language ?? azure.DefaultLanguage, partResults, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogServiceFailed(logger, batch.Count, ex.GetType().Name, ex.Message);
            }
        }

        for (var i = 0; i < texts.Count; i++)
        {
            if (results[i] is not null)
            {
                continue;
            }
            var mine = new List<(Part Part, AzureDocument Document)>();
            var complete = true;
            for (var p = 0; p < parts.Count; p++)
            {
                if (parts[p].Text != i)
                {
                    continue;
                }
                if (partResults.TryGetValue(p, out var document))
                {
                    mine.Add((parts[p], document));
                }
                else
                {
                    complete = false;
                }
            }
            results[i] = complete ? Merge(texts[i], mine) : local.Analyze(texts[i]);
        }
        return results!;
    }

    private async Task SendAsync(List<Part> batch, int firstId, string language, Dictionary<int, AzureDocument> into, CancellationToken cancellationToken)
    {
        var request = new AzureRequest(
            "SentimentAnalysis",
            new AzureParameters("Utf16CodeUnit", OpinionMining: false),
            new AzureInput([.. batch.Select((part, k) => new AzureInputDocument((firstId + k).ToString(CultureInfo.InvariantCulture), language, part.Content))]));
        var uri = new Uri(new Uri(azure.Endpoint!.TrimEnd('/') + "/"), $"language/:analyze-text?api-version={AzureLanguageOptions.ApiVersion}");
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = JsonContent.Create(request, AzureLanguageJsonContext.Default.AzureRequest),
        };
        message.Headers.Add("Ocp-Apim-Subscription-Key", azure.Key);

        using var response = await http.SendAsync(message, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            LogUnauthorized(logger, (int)response.StatusCode);
            return;
        }
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(AzureLanguageJsonContext.Default.AzureResponse, cancellationToken)
            ?? throw new InvalidDataException("Azure AI Language returned an empty body.");
        foreach (var document in body.Results?.Documents ?? [])
        {
            if (int.TryParse(document.Id, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && id >= firstId && id < firstId + batch.Count && document.ConfidenceScores is not null)
            {
                into[id] = document;
            }
        }
        foreach (var error in body.Results?.Errors ?? [])
        {
            LogDocumentError(logger, error.Id ?? "?", error.Error?.Code ?? "?", error.Error?.Message ?? "");
        }
    }

    /// <summary>One text as Azure sees it: the text itself, or parts of at most 5,120 text elements.</summary>
    internal static IEnumerable<(int Offset, int Length)> Split(string text)
    {
        var elements = StringInfo.ParseCombiningCharacters(text); // UTF-16 start of each text element
        if (elements.Length <= MaxTextElementsPerDocument)
        {
            yield return (0, text.Length);
            yield break;
        }
        var element = 0;
        while (element < elements.Length)
        {
            var start = elements[element];
            var lastElement = Math.Min(element + MaxTextElementsPerDocument, elements.Length);
            var end = lastElement == elements.Length ? text.Length : elements[lastElement];
            if (lastElement < elements.Length)
            {
                // Prefer to cut after white space in the last quarter of the part.
                for (var k = lastElement - 1; k > element + (MaxTextElementsPerDocument * 3 / 4); k--)
                {
                    if (char.IsWhiteSpace(text[elements[k]]))
                    {
                        lastElement = k + 1;
                        end = elements[lastElement];
                        break;
                    }
                }
            }
            yield return (start, end - start);
            element = lastElement;
        }
    }

    private static SentimentResult Merge(string text, List<(Part Part, AzureDocument Document)> parts)
    {
        if (parts.Count == 1 && parts[0].Part.Offset == 0)
        {
            var only = parts[0].Document;
            return ToResult(only.Sentiment, only.ConfidenceScores!, [.. Sentences(text, only, 0)]);
        }
        // A text sent in parts: scores weighted by length; positive and negative parts make it mixed.
        double positive = 0, neutral = 0, negative = 0;
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<SentenceSentiment>();
        foreach (var (part, document) in parts)
        {
            var weight = (double)part.Content.Length / text.Length;
            positive += document.ConfidenceScores!.Positive * weight;
            neutral += document.ConfidenceScores.Neutral * weight;
            negative += document.ConfidenceScores.Negative * weight;
            labels.Add(document.Sentiment ?? SentimentLabels.Neutral);
            sentences.AddRange(Sentences(text, document, part.Offset));
        }
        var label = labels.Contains(SentimentLabels.Mixed) || (labels.Contains(SentimentLabels.Positive) && labels.Contains(SentimentLabels.Negative))
            ? SentimentLabels.Mixed
            : labels.Contains(SentimentLabels.Negative) ? SentimentLabels.Negative
            : labels.Contains(SentimentLabels.Positive) ? SentimentLabels.Positive
            : SentimentLabels.Neutral;
        return ToResult(label, new AzureScores(positive, neutral, negative), sentences);
    }

    private static IEnumerable<SentenceSentiment> Sentences(string text, AzureDocument document, int partOffset)
    {
        foreach (var sentence in document.Sentences ?? [])
        {
            var offset = partOffset + sentence.Offset;
            if (offset < 0 || sentence.Length < 0 || offset + sentence.Length > text.Length || sentence.ConfidenceScores is null)
            {
                continue; // a span outside the text is not ours to report
            }
            yield return new SentenceSentiment(
                text.Substring(offset, sentence.Length),
                sentence.Sentiment ?? SentimentLabels.Neutral,
                new SentimentScores(sentence.ConfidenceScores.Positive, sentence.ConfidenceScores.Neutral, sentence.ConfidenceScores.Negative),
                offset,
                sentence.Length);
        }
    }

    private static SentimentResult ToResult(string? label, AzureScores scores, IReadOnlyList<SentenceSentiment> sentences) =>
        new(
            label ?? SentimentLabels.Neutral,
            new SentimentScores(scores.Positive, scores.Neutral, scores.Negative),
            sentences,
            Math.Clamp(scores.Positive - scores.Negative, -1, 1),
            AnalyzerName);

    private sealed record Part(int Text, int Offset, string Content);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "Azure AI Language failed for {Count} document(s) ({Error}: {Detail}); the local analyzer answered.")]
    private static partial void LogServiceFailed(ILogger logger, int count, string error, string detail);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Error, Message = "Azure AI Language refused the key (HTTP {Status}); not retried, the local analyzer answered. Check Sentiment:Azure:Key.")]
    private static partial void LogUnauthorized(ILogger logger, int status);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Azure AI Language could not analyze document {Id} ({Code}: {Detail}); the local analyzer answered.")]
    private static partial void LogDocumentError(ILogger logger, string id, string code, string detail);
}

// ---- the documented request and response shapes ----------------------------------------------------------------

internal sealed record AzureRequest(string Kind, AzureParameters Parameters, AzureInput AnalysisInput);

internal sealed record AzureParameters(string StringIndexType, bool OpinionMining);

internal sealed record AzureInput(IReadOnlyList<AzureInputDocument> Documents);

internal sealed record AzureInputDocument(string Id, string Language, string Text);

internal sealed record AzureResponse(string? Kind, AzureResults? Results);

internal sealed record AzureResults(IReadOnlyList<AzureDocument>? Documents, IReadOnlyList<AzureDocumentError>? Errors, string? ModelVersion);

internal sealed record AzureDocument(string Id, string? Sentiment, AzureScores? ConfidenceScores, IReadOnlyList<AzureSentence>? Sentences);

internal sealed record AzureScores(double Positive, double Neutral, double Negative);

internal sealed record AzureSentence(string? Sentiment, AzureScores? ConfidenceScores, int Offset, int Length, string? Text);

internal sealed record AzureDocumentError(string? Id, AzureError? Error);

internal sealed record AzureError(string? Code, string? Message);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AzureRequest))]
[JsonSerializable(typeof(AzureResponse))]
internal sealed partial class AzureLanguageJsonContext : JsonSerializerContext;
