using System.Collections.Concurrent;
using System.Text.Json;
using HandoffBot.Escalation;
using HandoffBot.Escalation.Sentiment;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Escalation.Sentiment;

/// <summary>
/// The Azure analyzer against a fake Language endpoint on loopback Kestrel that replays the documented responses.
/// Time is fake: retries and the timeout wait on timers the test fires.
/// </summary>
public sealed class AzureLanguageSentimentAnalyzerTests : IAsyncLifetime
{
    private const string Key = "test-language-key";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<Func<HttpContext, JsonElement, Task>> _responses = new();
    private readonly ConcurrentQueue<(string? Key, JsonElement Body, string Path)> _requests = new();
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimerWatchingTimeProvider _time = new(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private WebApplication _server = null!;
    private ServiceProvider _services = null!;
    private ISentimentAnalyzer _analyzer = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.Run(async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var json = body.RootElement.Clone();
            _requests.Enqueue((context.Request.Headers["Ocp-Apim-Subscription-Key"].ToString(), json,
                context.Request.Path + context.Request.QueryString));
            if (!_responses.TryDequeue(out var respond))
            {
                context.Response.StatusCode = 500;
                return;
            }
            await respond(context, json);
        });
        await _server.StartAsync();
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentiment:Azure:Endpoint"] = address,
            ["Sentiment:Azure:Key"] = Key,
            ["Sentiment:Azure:Timeout"] = "00:00:05",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSentimentAnalysis();
        _services = services.BuildServiceProvider();
        _analyzer = _services.GetRequiredService<ISentimentAnalyzer>();
    }

    public async Task DisposeAsync()
    {
        _never.TrySetResult();
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _server.StopAsync(stopping.Token);
        await _server.DisposeAsync();
        await _services.DisposeAsync();
    }

    private void Respond(Func<HttpContext, JsonElement, Task> respond) => _responses.Enqueue(respond);

    private void RespondJson(int status, Func<JsonElement, string> json, string? retryAfter = null) => Respond(async (context, request) =>
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json(request));
    });

    /// <summary>A documented SentimentAnalysisResults body: every document positive, except ids listed as errors.</summary>
    private static string Results(JsonElement request, params string[] errorIds)
    {
        var documents = request.GetProperty("analysisInput").GetProperty("documents").EnumerateArray()
            .Select(d => (Id: d.GetProperty("id").GetString()!, Text: d.GetProperty("text").GetString()!))
            .ToList();
        var ok = documents.Where(d => !errorIds.Contains(d.Id)).Select(d => $$$"""
            {"id":"{{{d.Id}}}","sentiment":"positive","confidenceScores":{"positive":0.91,"neutral":0.07,"negative":0.02},
             "sentences":[{"sentiment":"positive","confidenceScores":{"positive":0.91,"neutral":0.07,"negative":0.02},
                           "offset":0,"length":{{{d.Text.Length}}},"text":{{{JsonSerializer.Serialize(d.Text)}}} }],"warnings":[] }
            """);
        var errors = errorIds.Select(id => $$$"""
            {"id":"{{{id}}}","error":{"code":"InvalidArgument","message":"Invalid document in request.",
             "innererror":{"code":"InvalidDocument","message":"Document text is empty."} } }
            """);
        return $$$"""
            {"kind":"SentimentAnalysisResults","results":{"documents":[{{{string.Join(",", ok)}}}],
             "errors":[{{{string.Join(",", errors)}}}],"modelVersion":"2024-03-01"} }
            """;
    }

    [Fact]
    public async Task ASuccessfulCallReturnsAzuresLabelsScoresAndSentences()
    {
        RespondJson(200, request => Results(request));

        var result = await _analyzer.AnalyzeAsync("I love the new app.", "en", CancellationToken.None);

        Assert.Equal("AzureLanguage", result.Source);
        Assert.Equal(SentimentLabels.Positive, result.Sentiment);
        Assert.Equal(new SentimentScores(0.91, 0.07, 0.02), result.ConfidenceScores);
        Assert.Equal(0.89, result.Compound, 6);
        var sentence = Assert.Single(result.Sentences);
        Assert.Equal(("I love the new app.", 0, 19), (sentence.Text, sentence.Offset, sentence.Length));

        var (key, body, path) = Assert.Single(_requests);
        Assert.Equal(Key, key);
        Assert.Equal("/language/:analyze-text?api-version=2024-11-01", path);
        Assert.Equal("SentimentAnalysis", body.GetProperty("kind").GetString());
        Assert.Equal("Utf16CodeUnit", body.GetProperty("parameters").GetProperty("stringIndexType").GetString());
        Assert.False(body.GetProperty("parameters").GetProperty("opinionMining").GetBoolean());
        var document = Assert.Single(body.GetProperty("analysisInput").GetProperty("documents").EnumerateArray());
        Assert.Equal("en", document.GetProperty("language").GetString());
        Assert.Equal("I love the new app.", document.GetProperty("text").GetString());
    }

    [Fact]
    public async Task A429IsRetriedAfterTheDelayTheServiceAsksFor()
    {
        RespondJson(429, _ => """{"error":{"code":"429","message":"Rate limit is exceeded."}}""", retryAfter: "2");
        RespondJson(200, request => Results(request));

        var call = _analyzer.AnalyzeAsync("Thanks a lot", "en", CancellationToken.None).AsTask();
        var delay = await _time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        Assert.Single(_requests);
        Assert.False(call.IsCompleted);
        _time.Advance(delay);
        var result = await call.WaitAsync(Patience);

        Assert.Equal("AzureLanguage", result.Source);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task DocumentsWithErrorsInsideA200FallBackToTheLocalAnalyzer()
    {
        RespondJson(200, request => Results(request, "1"));

        var results = await _analyzer.AnalyzeBatchAsync(["Great service", "This is awful", "Fine"], "en", CancellationToken.None);

        Assert.Equal(["AzureLanguage", "Local", "AzureLanguage"], results.Select(r => r.Source));
        Assert.Equal(SentimentLabels.Negative, results[1].Sentiment);
    }

    [Fact]
    public async Task A401IsNotRetriedAndTheLocalAnalyzerAnswers()
    {
        RespondJson(401, _ => """{"error":{"code":"401","message":"Access denied due to invalid subscription key."}}""");
        RespondJson(200, request => Results(request));

        var result = await _analyzer.AnalyzeAsync("This is awful", "en", CancellationToken.None);

        Assert.Equal("Local", result.Source);
        Assert.Equal(SentimentLabels.Negative, result.Sentiment);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task AServiceThatDoesNotAnswerInTimeIsReplacedByTheLocalAnalyzer()
    {
        Respond((_, _) => _never.Task);
        var call = _analyzer.AnalyzeAsync("This is awful", "en", CancellationToken.None).AsTask();
        var timeout = await _time.WaitForTimerAsync(TimeSpan.FromSeconds(5));
        _time.Advance(timeout);
        var result = await call.WaitAsync(Patience);

        Assert.Equal("Local", result.Source);
        Assert.Equal(SentimentLabels.Negative, result.Sentiment);
    }

    [Fact]
    public async Task BatchesHoldAtMostTenDocuments()
    {
        for (var i = 0; i < 3; i++)
        {
            RespondJson(200, request => Results(request));
        }
        var texts = Enumerable.Range(0, 23).Select(i => $"message {i} is great").ToList();

        var results = await _analyzer.AnalyzeBatchAsync(texts, null, CancellationToken.None);

        Assert.All(results, r => Assert.Equal("AzureLanguage", r.Source));
        Assert.Equal([10, 10, 3], _requests.Select(r => r.Body.GetProperty("analysisInput").GetProperty("documents").GetArrayLength()));
    }

    [Fact]
    public async Task ALongTextIsSentInPartsOfAtMost5120TextElementsAndMergedBack()
    {
        RespondJson(200, request => Results(request));
        var text = string.Concat(Enumerable.Repeat("great 👍 ", 1000)); // 8,000 text elements, 9,000 UTF-16 units

        var result = await _analyzer.AnalyzeAsync(text, "en", CancellationToken.None);

        var sent = _requests.Single().Body.GetProperty("analysisInput").GetProperty("documents").EnumerateArray()
            .Select(d => d.GetProperty("text").GetString()!).ToList();
        Assert.Equal(2, sent.Count);
        Assert.All(sent, part => Assert.True(new System.Globalization.StringInfo(part).LengthInTextElements <= 5120));
        Assert.Equal(text, string.Concat(sent));
        Assert.Equal("AzureLanguage", result.Source);
        Assert.Equal(2, result.Sentences.Count);
        Assert.Equal(sent[0].Length, result.Sentences[1].Offset);
    }

    [Fact]
    public void WithoutEndpointAndKeyTheLocalAnalyzerIsRegistered()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSentimentAnalysis();
        using var provider = services.BuildServiceProvider();
        Assert.Equal("Local", provider.GetRequiredService<ISentimentAnalyzer>().Name);
        Assert.Equal("AzureLanguage", _analyzer.Name);
    }

    [Fact]
    public void AnEndpointWithoutAKeyFailsValidationWithAClearMessage()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(
            new Dictionary<string, string?> { ["Sentiment:Azure:Endpoint"] = "https://example.invalid" }).Build());
        services.AddLogging();
        services.AddSentimentAnalysis();
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SentimentOptions>>().Value);
        Assert.Contains("Sentiment:Azure:Endpoint and Sentiment:Azure:Key go together", error.Message, StringComparison.Ordinal);
    }
}
