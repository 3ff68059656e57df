using HandoffBot.Escalation.Embedding;
using HandoffBot.Escalation.Language;
using HandoffBot.Escalation.Models;
using HandoffBot.Escalation.Sentiment;
using HandoffBot.Escalation.Triggers;
using HandoffBot.Resources;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Escalation;

public static class EscalationServiceCollectionExtensions
{
    /// <summary>
    /// The escalation triggers (configured under <c>Escalation:Triggers</c>, validated at start-up), the detector,
    /// the middleware, the audit store, the sentiment analyzer it uses and the <c>analyze</c> command. The triggers'
    /// word lists are the lexicons (<c>Resources/Lexicons</c>), compiled once at start-up: a malformed one stops it.
    /// </summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services)
    {
        services.AddOptions<EscalationOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<EscalationOptions>, EscalationOptionsSetup>();
        services.AddSingleton<IValidateOptions<EscalationOptions>, EscalationOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEscalationSuppression, EscalationSuppression>();

        services.AddSingleton<IEscalationTrigger, HumanRequestTrigger>();
        services.AddSingleton<IEscalationTrigger, UrgencyTrigger>();
        services.AddSingleton<IEscalationTrigger, CategoryTrigger>();
        services.AddSingleton<IEscalationTrigger, SentimentTrigger>();
        services.AddSingleton<IEscalationTrigger, ConfidenceTrigger>();
        services.AddSingleton<IEscalationTrigger, ConversationTrigger>();
        services.TryAddSingleton<ISentenceEmbedder, MiniLmEmbedder>();
        services.TryAddSingleton<EscalationModelSource>();
        services.TryAddSingleton<ICustomerLanguage, LinguaCustomerLanguage>();
        services.TryAddSingleton<EscalationDetector>();
        services.AddLexicons();
        services.AddHostedService<EscalationLexiconCheck>();

        services.AddSingleton<ISqliteSchema, SqliteEscalationAuditStore.Schema>();
        services.TryAddSingleton<IEscalationAuditStore, SqliteEscalationAuditStore>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteEscalationAuditWriter>();
        services.AddSentimentAnalysis();
        return services;
    }
}

/// <summary>Builds the triggers while the host starts, so a malformed lexicon stops start-up instead of the first turn.</summary>
internal sealed partial class EscalationLexiconCheck(EscalationDetector detector, LexiconFolder lexicons, ISentenceEmbedder embedder, ILogger<EscalationLexiconCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogLoaded(logger, lexicons.Path, detector.NeedsAnswer);
        return Task.CompletedTask;
    }

    /// <summary>At shutdown: how many turns reached the encoder (eng/load.sh prints this line).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        var (encoder, cheap) = detector.CascadeCounts;
        if (embedder is MiniLmEmbedder minilm)
        {
            var (hits, misses) = minilm.CacheCounts;
            LogCascade(logger, encoder + cheap, encoder, cheap, misses, hits);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3901, Level = LogLevel.Information, Message = "Sentence encoder: {Turns} turns, {Heads} decided by the heads, {Cheap} settled by the cheap stage; {Runs} messages ran the encoder, {Hits} came from its cache")]
    private static partial void LogCascade(ILogger logger, long turns, long heads, long cheap, long runs, long hits);

    [LoggerMessage(EventId = 3900, Level = LogLevel.Information, Message = "Escalation triggers built from the lexicons in {Folder} (post-answer triggers: {NeedsAnswer})")]
    private static partial void LogLoaded(ILogger logger, string folder, bool needsAnswer);
}
