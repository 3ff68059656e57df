using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Analytics;

public static class AnalyticsServiceCollectionExtensions
{
    /// <summary>
    /// Handoff analytics: the SQLite facts (schema after the handoff's, since it indexes the handoff audit), the
    /// conversation-turn writer and <see cref="HandoffAnalytics"/>. <see cref="IAnalyticsStore"/> is the chosen
    /// provider's (<c>AddHandoffStorage</c>); the PostgreSQL schema and writers live in <c>Storage/Postgres</c>. Call after <c>AddHandoff</c>; put
    /// <see cref="ConversationTurnMiddleware"/> in the customer pipeline.
    /// </summary>
    public static IServiceCollection AddHandoffAnalytics(this IServiceCollection services)
    {
        services.AddSingleton<ISqliteSchema, SqliteAnalyticsStore.Schema>();
        services.AddSingleton<ISqliteTurnRecordWriter, SqliteConversationTurnWriter>();
        services.AddSingleton<HandoffAnalytics>();
        return services;
    }
}
