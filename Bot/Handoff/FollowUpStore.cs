using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Handoff;

/// <summary>A message a customer left for follow-up when no agent was available.</summary>
public sealed record FollowUpMessage(string HandoffId, string CustomerKey, string ChannelId, string UserId, string Text, DateTimeOffset At);

/// <summary>Satisfaction scores (1-5) given after a handoff, and messages left for follow-up.</summary>
public interface IHandoffFeedbackStore
{
    /// <summary>Stores the customer's score for a handoff; a second answer replaces the first.</summary>
    Task SaveSatisfactionAsync(string handoffId, string customerKey, string? agentId, int score, DateTimeOffset at, CancellationToken cancellationToken);

    Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken);

    Task SaveFollowUpAsync(FollowUpMessage message, CancellationToken cancellationToken);

    Task<IReadOnlyList<FollowUpMessage>> ListFollowUpsAsync(CancellationToken cancellationToken);
}

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
                at           TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS handoff_followup (
                seq          INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id   TEXT NOT NULL,
                customer_key TEXT NOT NULL,
                channel_id   TEXT NOT NULL,
                user_id      TEXT NOT NULL,
                text         TEXT NOT NULL,
                at           TEXT NOT NULL
            );
            """];
    }

    public Task SaveSatisfactionAsync(string handoffId, string customerKey, string? agentId, int score, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 5);
        return database.WriteAsync(session => session.Command("""
                INSERT INTO handoff_csat (handoff_id, customer_key, agent_id, score, at) VALUES ($id, $customer, $agent, $score, $at)
                ON CONFLICT(handoff_id) DO UPDATE SET score = excluded.score, at = excluded.at
                """)
            .With("$id", handoffId)
            .With("$customer", customerKey)
            .With("$agent", agentId)
            .With("$score", score)
            .With("$at", SqliteHandoffStore.Format(at))
            .ExecuteNonQuery(), cancellationToken);
    }

    public Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync(session => session.Command("SELECT score FROM handoff_csat WHERE handoff_id = $id")
            .With("$id", handoffId)
            .ExecuteScalar() is long score ? (int?)score : null, cancellationToken);

    public Task SaveFollowUpAsync(FollowUpMessage message, CancellationToken cancellationToken) =>
        database.WriteAsync(session => session.Command("INSERT INTO handoff_followup (handoff_id, customer_key, channel_id, user_id, text, at) VALUES ($id, $customer, $channel, $user, $text, $at)")
            .With("$id", message.HandoffId)
            .With("$customer", message.CustomerKey)
            .With("$channel", message.ChannelId)
            .With("$user", message.UserId)
            .With("$text", message.Text)
            .With("$at", SqliteHandoffStore.Format(message.At))
            .ExecuteNonQuery(), cancellationToken);

    public Task<IReadOnlyList<FollowUpMessage>> ListFollowUpsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<FollowUpMessage>>(session =>
        {
            var messages = new List<FollowUpMessage>();
            using var reader = session.Command("SELECT handoff_id, customer_key, channel_id, user_id, text, at FROM handoff_followup ORDER BY seq").ExecuteReader();
            while (reader.Read())
            {
                messages.Add(new FollowUpMessage(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    DateTimeOffset.Parse(reader.GetString(5), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind)));
            }
            return messages;
        }, cancellationToken);
}
