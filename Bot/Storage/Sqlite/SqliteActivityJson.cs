using System.Text.Json;
using HandoffBot.Protocol;
using Microsoft.Data.Sqlite;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// How the stores keep an activity: its protocol JSON (source-generated, unknown fields kept) in a TEXT column, so
/// what is read back is what was received or sent.
/// </summary>
internal static class SqliteActivityJson
{
    public static string Serialize(Activity activity) => JsonSerializer.Serialize(activity, ProtocolJsonContext.Default.Activity);

    /// <summary>The activity in column <paramref name="ordinal"/> of the current row.</summary>
    public static Activity GetActivity(this SqliteDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize(reader.GetString(ordinal), ProtocolJsonContext.Default.Activity)
        ?? throw new InvalidDataException("A stored activity is JSON null.");
}
