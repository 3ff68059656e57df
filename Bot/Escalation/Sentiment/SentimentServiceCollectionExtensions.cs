using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace HandoffBot.Escalation.Sentiment;

public static class SentimentServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISentimentAnalyzer"/>: Azure AI Language (with the local analyzer as fallback) when
    /// <c>Sentiment:Azure:Endpoint</c> and <c>Sentiment:Azure:Key</c> are set, otherwise the local VADER analyzer.
    /// Options are validated and the lexicon loaded at start-up.
    /// </summary>
    public static IServiceCollection AddSentimentAnalysis(this IServiceCollection services)
    {
        services.AddOptions<SentimentOptions>()
            .BindConfiguration(SentimentOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SentimentOptions>>().Value;
            var path = Path.IsPathRooted(options.LexiconPath)
                ? options.LexiconPath
                : Path.Combine(AppContext.BaseDirectory, options.LexiconPath);
            return new VaderSentimentAnalyzer(
                VaderLexicon.Load(path),
                options.CustomerServiceCues ? CustomerServiceCues.Create(options.ExtraCues) : null,
                options.MixedThreshold);
        });
        // Load the lexicon at start-up, not on the first customer message: a missing file fails the host clearly.
        services.AddHostedService<SentimentStartup>();

        services.AddHttpClient(AzureLanguageSentimentAnalyzer.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("azure-language", static (pipeline, context) =>
            {
                var azure = context.ServiceProvider.GetRequiredService<IOptions<SentimentOptions>>().Value.Azure;
                pipeline
                    .AddTimeout(azure.Timeout)
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = Math.Max(azure.MaxRetries, 1),
                        ShouldHandle = args => ValueTask.FromResult(
                            azure.MaxRetries > 0 && (args.Outcome.Result is { } response
                                ? response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                                : args.Outcome.Exception is HttpRequestException)),
                        ShouldRetryAfterHeader = true,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                    });
            });

        // The real analyzer replaces any placeholder registered before (AddEscalation registers a neutral one).
        services.RemoveAll<ISentimentAnalyzer>();
        services.AddSingleton<ISentimentAnalyzer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SentimentOptions>>();
            var local = sp.GetRequiredService<VaderSentimentAnalyzer>();
            if (!options.Value.Azure.IsConfigured)
            {
                return local;
            }
            return new AzureLanguageSentimentAnalyzer(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(AzureLanguageSentimentAnalyzer.HttpClientName),
                local,
                options,
                sp.GetRequiredService<ILogger<AzureLanguageSentimentAnalyzer>>());
        });
        return services;
    }
}

/// <summary>Creates the analyzers when the host starts, so that a missing lexicon stops it with a clear message.</summary>
internal sealed class SentimentStartup(ISentimentAnalyzer analyzer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = analyzer; // resolving it loaded the lexicon
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
