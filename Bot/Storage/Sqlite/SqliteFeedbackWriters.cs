using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary>Writes a <see cref="SatisfactionScore"/> of a turn's commit; a second answer replaces the first.</summary>
internal sealed class SqliteSatisfactionWriter : SqliteTurnRecordWriter<SatisfactionScore>
{
    protected override Action<SqliteSession> Prepare(SatisfactionScore record)
    {
        var at = SqliteTime.ToDb(record.At);
        return session =>
        {
            session.Command("""
                INSERT INTO handoff_csat (handoff_id, customer_key, agent_id, score, at) VALUES ($id, $customer, $agent, $score, $at)
                ON CONFLICT(handoff_id) DO UPDATE SET score = excluded.score, at = excluded.at
                """)
            .With("$id", record.HandoffId)
            .With("$customer", record.CustomerKey)
            .With("$agent", record.AgentId)
            .With("$score", record.Score)
            .With("$at", at)
            .ExecuteNonQuery();
            // The handoff's analytics row carries its score (CSAT with and without a human).
            session.Command("UPDATE analytics_handoff SET csat = $score WHERE handoff_id = $id")
                .With("$id", record.HandoffId).With("$score", record.Score)
                .ExecuteNonQuery();
        };
    }
}

/// <summary>Writes a <see cref="FollowUpMessage"/> of a turn's commit.</summary>
internal sealed class SqliteFollowUpWriter : SqliteTurnRecordWriter<FollowUpMessage>
{
    protected override Action<SqliteSession> Prepare(FollowUpMessage record)
    {
        var at = SqliteTime.ToDb(record.At);
        return session => session.Command("INSERT INTO handoff_followup (handoff_id, customer_key, channel_id, user_id, text, at) VALUES ($id, $customer, $channel, $user, $text, $at)")
            .With("$id", record.HandoffId).With("$customer", record.CustomerKey)
            .With("$channel", record.ChannelId).With("$user", record.UserId)
            .With("$text", record.Text).With("$at", at)
            .ExecuteNonQuery();
    }
}
