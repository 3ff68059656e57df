using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HandoffBot.Storage.Postgres;

internal static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Every PostgreSQL store, its schema and its turn-record writers. Registered always, constructed only when
    /// <c>Storage:Provider</c> is <c>Postgres</c> (the store interfaces pick the provider, see <see cref="StorageServiceCollectionExtensions"/>).
    /// </summary>
    public static IServiceCollection AddPostgresStores(this IServiceCollection services)
    {
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section)
            .Configure<IConfiguration>((options, configuration) => options.ConnectionString ??= configuration.GetConnectionString(PostgresOptions.ConnectionStringName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, PostgresOptionsValidator>());
        services.TryAddSingleton<PostgresDatabase>();
        services.TryAddSingleton<PostgresRecordWriters>();

        IPostgresSchema[] schemas =
        [
            new PostgresConversationStateStore.Schema(), new PostgresTranscriptStore.Schema(), new PostgresInboxStore.Schema(),
            new PostgresAccessAudit.Schema(), new PostgresDirectLineStore.Schema(), new PostgresCustomerProfileStore.Schema(),
            new PostgresHandoffRows.Schema(), new PostgresHandoffOutbox.Schema(), new PostgresHandoffFeedbackStore.Schema(),
            new PostgresEscalationAuditStore.Schema(), new PostgresAgentDirectory.Schema(), new PostgresInstanceHeartbeat.Schema(),
            new PostgresAnalyticsStore.Schema(), // after the handoff schema: it indexes the handoff audit
        ];
        foreach (var schema in schemas)
        {
            services.AddSingleton(schema);
        }
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresOutboxWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresHandoffOpenedWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresHandoffTransitionWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresHandoffMessageWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresHandoffAuditWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresConversationTurnWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresSatisfactionWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresFollowUpWriter>();
        services.AddSingleton<IPostgresTurnRecordWriter, PostgresEscalationAuditWriter>();

        services.TryAddSingleton<PostgresConversationStateStore>();
        services.TryAddSingleton<PostgresTranscriptStore>();
        services.TryAddSingleton<PostgresInboxStore>();
        services.TryAddSingleton<PostgresTurnStore>();
        services.TryAddSingleton<PostgresAccessAudit>();
        services.TryAddSingleton<PostgresDirectLineStore>();
        services.TryAddSingleton<PostgresCustomerProfileStore>();
        services.TryAddSingleton<PostgresHandoffStore>();
        services.TryAddSingleton<PostgresHandoffEventLog>();
        services.TryAddSingleton<PostgresHandoffOutbox>();
        services.TryAddSingleton<PostgresHandoffFeedbackStore>();
        services.TryAddSingleton<PostgresEscalationAuditStore>();
        services.TryAddSingleton<PostgresAgentDirectory>();
        services.TryAddSingleton<PostgresConversationLease>();
        services.TryAddSingleton<PostgresInstanceHeartbeat>();
        services.TryAddSingleton<PostgresAnalyticsStore>();
        services.AddHostedService<PostgresChangeListener>();
        return services;
    }
}
