using HandoffBot.AgentHub;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.Access;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Handoff;

public static class HandoffServiceCollectionExtensions
{
    /// <summary>
    /// The handoff: options (validated at start-up), SQLite stores (handoffs + audit, outbox, profiles, feedback), the
    /// packet builder and summariser (an <see cref="IChatClient"/>, when registered, writes the summary), the agent hub,
    /// the coordinator and its periodic sweep. Needs the routing engine (<c>AddHandoffRouting</c>).
    /// </summary>
    public static IServiceCollection AddHandoff(this IServiceCollection services)
    {
        services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ISqliteSchema, SqliteHandoffStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteHandoffOutbox.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteCustomerProfileStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteHandoffFeedbackStore.Schema>();
        services.TryAddSingleton<SqliteHandoffStore>();
        services.TryAddSingleton<IHandoffStore>(sp => sp.GetRequiredService<SqliteHandoffStore>());
        services.AddSingleton<IConversationAssignments>(sp => (IConversationAssignments)sp.GetRequiredService<IHandoffStore>());
        services.TryAddSingleton<IHandoffOutbox, SqliteHandoffOutbox>();
        services.TryAddSingleton<OutboxSignal>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteOutboxWriter>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteHandoffOpenedWriter>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteHandoffTransitionWriter>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteHandoffAuditWriter>();
        services.TryAddSingleton<HandoffIntakeQueue>();
        services.AddHostedService<HandoffIntakeWorker>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());
        services.TryAddSingleton<ICustomerProfileStore, SqliteCustomerProfileStore>();
        services.TryAddSingleton<IHandoffFeedbackStore, SqliteHandoffFeedbackStore>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteSatisfactionWriter>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteFollowUpWriter>();
        services.TryAddSingleton<ExtractiveSummarizer>();
        services.TryAddSingleton<IHandoffSummarizer>(sp => sp.GetService<IChatClient>() is { } chat
            ? new ChatClientSummarizer(chat, sp.GetRequiredService<ExtractiveSummarizer>(), sp.GetRequiredService<ILogger<ChatClientSummarizer>>())
            : sp.GetRequiredService<ExtractiveSummarizer>());
        services.TryAddSingleton<HandoffPacketBuilder>();
        services.TryAddSingleton<HubNotifier>();
        services.AddSingleton<IAgentChannel>(sp => sp.GetRequiredService<HubNotifier>());
        services.TryAddSingleton<HandoffEventSignal>();
        services.TryAddSingleton<IHandoffEventLog, SqliteHandoffEventLog>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteHandoffMessageWriter>();
        services.AddSingleton<HandoffEventFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<HandoffEventFeed>());
        services.TryAddSingleton<HandoffEventFollower>();
        services.AddSingleton<Storage.IHandoffEventSubscriber>(sp => sp.GetRequiredService<HandoffEventFollower>());
        services.AddHostedService(sp => sp.GetRequiredService<HandoffEventFollower>());
        services.TryAddSingleton<AgentCommands>();
        services.TryAddSingleton<RoutingProjection>();
        services.TryAddSingleton<AgentIdentity>();
        services.TryAddSingleton<HandoffWording>();
        services.TryAddSingleton<HandoffDispatcher>();
        services.TryAddSingleton<HandoffCoordinator>();
        services.TryAddSingleton<HandoffSweep>();
        services.TryAddSingleton<HandoffTransfers>();
        services.TryAddSingleton<WaitPositions>();
        services.TryAddSingleton<HubCopilot>();
        services.TryAddSingleton<AgentHubHandler>();
        services.AddHostedService<HandoffSweepService>();
        services.TryAddSingleton<RoutingOwnerService>();
        services.AddHostedService(sp => sp.GetRequiredService<RoutingOwnerService>());
        services.TryAddSingleton<RoutingChangeWorker>();
        services.AddSingleton<Storage.IHandoffChangeSubscriber>(sp => sp.GetRequiredService<RoutingChangeWorker>());
        services.AddHostedService(sp => sp.GetRequiredService<RoutingChangeWorker>());
        return services;
    }
}

/// <summary>Runs the coordinator's sweep (offer timeouts, waits, position updates, outbox retries) on a timer.</summary>
internal sealed partial class HandoffSweepService(
    HandoffSweep sweep,
    Microsoft.Extensions.Options.IOptions<HandoffOptions> options,
    TimeProvider time,
    ILogger<HandoffSweepService> logger) : Threading.PeriodicWorker(time)
{
    protected override TimeSpan? Period => options.Value.SweepInterval;

    protected override Task TickAsync(CancellationToken cancellationToken) => sweep.SweepAsync(cancellationToken);

    protected override void OnTickFailed(Exception exception) => LogSweepFailed(logger, exception);

    [LoggerMessage(EventId = 4400, Level = LogLevel.Error, Message = "The handoff sweep failed; it runs again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
