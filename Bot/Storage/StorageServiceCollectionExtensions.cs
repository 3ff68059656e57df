using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HandoffBot.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>The embedded SQLite stores (the default provider).</summary>
    public static IServiceCollection AddHandoffStorage(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.Equals(o.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase),
                "Storage:Provider must be 'Sqlite' (PostgreSQL support comes with scale-out).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.AddSingleton<ISqliteSchema, SqliteConversationStateStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteTranscriptStore.Schema>();
        services.AddSingleton<ISqliteSchema, SqliteInboxStore.Schema>();
        services.TryAddSingleton<IConversationStateStore, SqliteConversationStateStore>();
        services.TryAddSingleton<ITranscriptStore, SqliteTranscriptStore>();
        services.TryAddSingleton<IInboxStore, SqliteInboxStore>();
        services.TryAddSingleton<SqliteRecordWriters>();
        services.TryAddSingleton<ITurnStore, SqliteTurnStore>();
        return services;
    }
}
