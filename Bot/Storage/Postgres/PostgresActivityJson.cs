using System.Text.Json;
using HandoffBot.Protocol;
using Npgsql;

namespace HandoffBot.Storage.Postgres;

/// <summary>An activity kept as its protocol JSON in a <c>jsonb</c> column (unknown fields included).</summary>
internal static class PostgresActivityJson
{
    public static Activity GetActivity(this NpgsqlDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize(reader.GetString(ordinal), ProtocolJsonContext.Default.Activity)
        ?? throw new InvalidDataException("A stored activity is JSON null.");

    /// <summary>Every row of <paramref name="command"/>, read by <paramref name="read"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(read(reader));
        }
        return result;
    }
}
