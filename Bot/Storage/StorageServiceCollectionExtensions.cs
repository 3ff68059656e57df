using HandoffBot.Analytics;
using HandoffBot.Escalation;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.Access;
using HandoffBot.Hosting.DirectLine;
using HandoffBot.Routing;
using HandoffBot.Storage.Postgres;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The storage provider chosen by <c>Storage:Provider</c>: <c>Sqlite</c> (default, embedded) or <c>Postgres</c>
    /// (several instances, <c>ConnectionStrings:Postgres</c>). Every store interface is registered here and resolves to
    /// the chosen provider's implementation; the features register their SQLite schemas and writers next to their code,
    /// the PostgreSQL ones live in <c>Storage/Postgres</c>. Call before the features' <c>Add...</c> methods.
    /// </summary>
    public static IServiceCollection AddHandoffStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.IsKnownProvider, "Storage:Provider must be 'Sqlite' or 'Postgres'.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SqliteDatabase>();
        services.AddSingleton<ISqliteSchema, SqliteConversationStateStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteTranscriptStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteInboxStore.Schema>();
        services.TryAddSingleton<SqliteRecordWriters>();
        services.AddPostgresStores();

        services.AddStore<IStorageHealth, SqliteDatabase, PostgresDatabase>();
        services.AddStore<IConversationLease, InProcessConversationLease, PostgresConversationLease>();
        services.AddStore<IInstanceHeartbeat, NoInstanceHeartbeat, PostgresInstanceHeartbeat>();
        services.AddStore<ITypingBroadcast, NoTypingBroadcast, PostgresTypingBroadcast>();
        services.AddHostedService<InstanceHeartbeatService>();
        services.AddStore<IRoutingOwnership, SingleInstanceRoutingOwnership, PostgresRoutingOwnership>();
        services.AddStore<IConversationStateStore, SqliteConversationStateStore, PostgresConversationStateStore>();
        services.AddStore<ITranscriptStore, SqliteTranscriptStore, PostgresTranscriptStore>();
        services.AddStore<IInboxStore, SqliteInboxStore, PostgresInboxStore>();
        services.AddStore<IInboxTakeover, NoInboxTakeover, PostgresInboxTakeover>();
        services.AddStore<ITurnStore, SqliteTurnStore, PostgresTurnStore>();
        services.AddStore<IAccessAudit, SqliteAccessAudit, PostgresAccessAudit>();
        services.AddStore<IDirectLineStore, SqliteDirectLineStore, PostgresDirectLineStore>();
        services.AddStore<IDirectLineAttachmentContent, DirectLineFolderAttachments, PostgresDirectLineStore>();
        services.AddStore<ICustomerProfileStore, SqliteCustomerProfileStore, PostgresCustomerProfileStore>();
        services.AddStore<IHandoffStore, SqliteHandoffStore, PostgresHandoffStore>();
        services.AddStore<IHandoffEventLog, SqliteHandoffEventLog, PostgresHandoffEventLog>();
        services.AddStore<IHandoffOutbox, SqliteHandoffOutbox, PostgresHandoffOutbox>();
        services.AddStore<IHandoffFeedbackStore, SqliteHandoffFeedbackStore, PostgresHandoffFeedbackStore>();
        services.AddStore<IEscalationAuditStore, SqliteEscalationAuditStore, PostgresEscalationAuditStore>();
        services.AddStore<IAgentDirectory, SqliteAgentDirectory, PostgresAgentDirectory>();
        services.AddStore<IAnalyticsStore, SqliteAnalyticsStore, PostgresAnalyticsStore>();
        services.AddStore<ISignInKeySource, RandomSignInKeys, PostgresSignInKeys>();
        return services;
    }

    /// <summary>
    /// <typeparamref name="TService"/> as the chosen provider's implementation (both registered as singletons; only the
    /// chosen one is ever constructed). A feature's own <c>TryAdd</c> of its SQLite store after this is a no-op.
    /// </summary>
    private static void AddStore<TService, TSqlite, TPostgres>(this IServiceCollection services)
        where TService : class
        where TSqlite : class, TService
        where TPostgres : class, TService
    {
        services.TryAddSingleton<TSqlite>();
        services.TryAddSingleton<TPostgres>();
        services.TryAddSingleton<TService>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.UsesPostgres
            ? sp.GetRequiredService<TPostgres>()
            : sp.GetRequiredService<TSqlite>());
    }
}
