using HandoffBot.Escalation.Triggers;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

public static class EscalationServiceCollectionExtensions
{
    /// <summary>
    /// The escalation triggers (configured under <c>Escalation:Triggers</c>, validated at start-up), the detector,
    /// the middleware, the audit store and the <c>analyze</c> command.
    /// </summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services)
    {
        services.AddOptions<EscalationOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<EscalationOptions>, EscalationOptionsSetup>();
        services.AddSingleton<IValidateOptions<EscalationOptions>, EscalationOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<IEscalationTrigger, HumanRequestTrigger>();
        services.AddSingleton<IEscalationTrigger, UrgencyTrigger>();
        services.AddSingleton<IEscalationTrigger, CategoryTrigger>();
        services.AddSingleton<IEscalationTrigger, SentimentTrigger>();
        services.AddSingleton<IEscalationTrigger, ConfidenceTrigger>();
        services.TryAddSingleton<EscalationDetector>();

        services.AddSingleton<ISqliteSchema, SqliteEscalationAuditStore.Schema>();
        services.TryAddSingleton<IEscalationAuditStore, SqliteEscalationAuditStore>();
        services.TryAddSingleton<ISentimentAnalyzer, NeutralSentimentAnalyzer>();
        return services;
    }
}

/// <summary>
/// Stand-in until the sentiment analyzers are registered: every message neutral. Registered only when no other
/// <see cref="ISentimentAnalyzer"/> is.
/// </summary>
internal sealed class NeutralSentimentAnalyzer : ISentimentAnalyzer
{
    private static readonly SentimentResult Neutral = new(SentimentLabels.Neutral, new SentimentScores(0, 1, 0), [], 0, "none");

    public string Name => "none";

    public ValueTask<SentimentResult> AnalyzeAsync(string text, string? language, CancellationToken cancellationToken) => ValueTask.FromResult(Neutral);

    public ValueTask<IReadOnlyList<SentimentResult>> AnalyzeBatchAsync(IReadOnlyList<string> texts, string? language, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<SentimentResult>>([.. texts.Select(_ => Neutral)]);
}
