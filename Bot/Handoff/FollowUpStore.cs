using HandoffBot.Pipeline;
using HandoffBot.Storage;
using HandoffBot.Storage.Sqlite;

namespace HandoffBot.Handoff;

/// <summary>A message a customer left for follow-up when no agent was available; a record of that customer's turn.</summary>
public sealed record FollowUpMessage(string HandoffId, string CustomerKey, string ChannelId, string UserId, string Text, DateTimeOffset At) : ITurnRecord;

/// <summary>The customer's score (1-5) for a handoff, given in a turn; a second answer replaces the first.</summary>
public sealed record SatisfactionScore : ITurnRecord
{
    public SatisfactionScore(string handoffId, string customerKey, string? agentId, int score, DateTimeOffset at)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(score, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(score, 5);
        (HandoffId, CustomerKey, AgentId, Score, At) = (handoffId, customerKey, agentId, score, at);
    }

    public string HandoffId { get; }

    public string CustomerKey { get; }

    public string? AgentId { get; }

    public int Score { get; }

    public DateTimeOffset At { get; }
}

/// <summary>
/// Satisfaction scores given after a handoff, and messages left for follow-up. Both are written as records of the
/// customer's turn (<see cref="TurnWrites.Add"/>); this store reads them.
/// </summary>
public interface IHandoffFeedbackStore
{
    Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken);

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
