using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
            new PostgresKeyRing.Schema(), new PostgresSignInKeys.Schema(), new PostgresRoutingOwnership.Schema(),
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
        services.TryAddSingleton<PostgresSignInKeys>();
        services.AddHostedService<PostgresChangeListener>();
        services.AddSharedDataProtection();
        return services;
    }

    /// <summary>The application name every instance shares, so they all derive the same protectors from the shared key ring.</summary>
    public const string DataProtectionApplicationName = "HandoffBot";

    /// <summary>
    /// With <c>Storage:Provider=Postgres</c>: the Data Protection key ring (console cookies, anti-forgery tokens) in
    /// PostgreSQL (<see cref="PostgresKeyRing"/>) and one application name for every instance, whatever folder it runs
    /// from. On SQLite nothing changes: ASP.NET Core's default ring (the user profile's
    /// <c>~/.aspnet/DataProtection-Keys</c>, or in memory when there is none) and the content root as the application
    /// name, which keeps two installations on one machine from accepting each other's cookies.
    /// </summary>
    private static void AddSharedDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection();
        services.TryAddSingleton<PostgresKeyRing>();
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, IServiceProvider>((keys, storage, provider) =>
        {
            if (storage.Value.UsesPostgres)
            {
                keys.XmlRepository = provider.GetRequiredService<PostgresKeyRing>();
            }
        });
        services.AddOptions<DataProtectionOptions>().Configure<IOptions<StorageOptions>>((protection, storage) =>
        {
            if (storage.Value.UsesPostgres)
            {
                protection.ApplicationDiscriminator = DataProtectionApplicationName;
            }
        });
    }
}
