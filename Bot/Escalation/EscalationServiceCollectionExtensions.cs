using HandoffBot.Escalation.Sentiment;
using HandoffBot.Escalation.Triggers;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

public static class EscalationServiceCollectionExtensions
{
    /// <summary>
    /// The escalation triggers (configured under <c>Escalation:Triggers</c>, validated at start-up), the detector,
    /// the middleware, the audit store, the sentiment analyzer it uses and the <c>analyze</c> command.
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
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteEscalationAuditWriter>();
        services.AddSentimentAnalysis();
        return services;
    }
}
