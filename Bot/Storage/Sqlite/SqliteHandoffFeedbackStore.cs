using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary><see cref="IHandoffFeedbackStore"/> on SQLite (its rows are written by the feedback writers in the turn's commit).</summary>
internal sealed class SqliteHandoffFeedbackStore(SqliteDatabase database) : IHandoffFeedbackStore
{
    internal sealed class Schema : ISqliteSchema
    {
        public string Name => "handoff_feedback";

        public IReadOnlyList<string> Migrations => ["""
            CREATE TABLE IF NOT EXISTS handoff_csat (
                handoff_id   TEXT PRIMARY KEY,
                customer_key TEXT NOT NULL,
                agent_id     TEXT,
                score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
                at           INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS handoff_followup (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id   TEXT NOT NULL,
                customer_key TEXT NOT NULL,
                channel_id   TEXT NOT NULL,
                user_id      TEXT NOT NULL,
                text         TEXT NOT NULL,
                at           INTEGER NOT NULL
            );
            """];
    }

    public Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT score FROM handoff_csat WHERE handoff_id = $id")
            .With("$id", handoffId)
            .ExecuteScalar() is long score ? (int?)score : null, cancellationToken);

    public Task<IReadOnlyList<FollowUpMessage>> ListFollowUpsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<FollowUpMessage>>(session =>
        {
            var messages = new List<FollowUpMessage>();
            using var reader = session.Command("SELECT handoff_id, customer_key, channel_id, user_id, text, at FROM handoff_followup ORDER BY seq").ExecuteReader();
            while (reader.Read())
            {
                messages.Add(new FollowUpMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    SqliteTime.FromDb(reader.GetInt64(5))));
            }
            return messages;
        }, cancellationToken);
}
