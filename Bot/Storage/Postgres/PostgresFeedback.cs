using HandoffBot.Handoff;

namespace HandoffBot.Storage.Postgres;

/// <summary>Satisfaction scores and follow-up messages in PostgreSQL (written by the turn's commit, read here).</summary>
internal sealed class PostgresHandoffFeedbackStore(PostgresDatabase database) : IHandoffFeedbackStore
{
    internal sealed class Schema() : PostgresSchema("handoff_feedback", """
        CREATE TABLE handoff_csat (
            handoff_id   text PRIMARY KEY,
            customer_key text NOT NULL,
            agent_id     text,
            score        integer NOT NULL CHECK (score BETWEEN 1 AND 5),
            at           timestamptz NOT NULL
        );
        CREATE TABLE handoff_followup (
            seq          bigserial PRIMARY KEY,
            handoff_id   text NOT NULL,
            customer_key text NOT NULL,
            channel_id   text NOT NULL,
            user_id      text NOT NULL,
            text         text NOT NULL,
            at           timestamptz NOT NULL
        );
        """);

    public Task<int?> GetSatisfactionAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT score FROM handoff_csat WHERE handoff_id = @id").With("id", handoffId);
            return await command.ExecuteScalarAsync(cancellationToken) is int score ? (int?)score : null;
        }, cancellationToken);

    public Task<IReadOnlyList<FollowUpMessage>> ListFollowUpsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<FollowUpMessage>>(async session =>
        {
            await using var command = session.Command("SELECT handoff_id, customer_key, channel_id, user_id, text, at FROM handoff_followup ORDER BY seq");
            return await command.ListAsync(r => new FollowUpMessage(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetTime(5)), cancellationToken);
        }, cancellationToken);
}

/// <summary>
/// Writes a <see cref="SatisfactionScore"/> of a turn's commit; a second answer replaces the first. The handoff's
/// analytics row carries its score (CSAT with and without a human); the handoff row is locked before its analytics row,
/// as every writer of a handoff's rows does (lock order, <see cref="PostgresHandoffRows"/>).
/// </summary>
internal sealed class PostgresSatisfactionWriter : PostgresTurnRecordWriter<SatisfactionScore>
{
    protected override Func<PostgresSession, Task> Prepare(SatisfactionScore record) => async session =>
    {
        await PostgresHandoffRows.LockRowAsync(session, record.HandoffId);
        session.Defer("""
                INSERT INTO handoff_csat (handoff_id, customer_key, agent_id, score, at) VALUES (@id, @customer, @agent, @score, @at)
                ON CONFLICT (handoff_id) DO UPDATE SET score = excluded.score, at = excluded.at
                """)
            .With("id", record.HandoffId).With("customer", record.CustomerKey).With("agent", record.AgentId).With("score", record.Score).WithTime("at", record.At);
        session.Defer("UPDATE analytics_handoff SET csat = @score WHERE handoff_id = @id").With("id", record.HandoffId).With("score", (short)record.Score);
    };
}

/// <summary>Writes a <see cref="FollowUpMessage"/> of a turn's commit.</summary>
internal sealed class PostgresFollowUpWriter : PostgresTurnRecordWriter<FollowUpMessage>
{
    protected override Func<PostgresSession, Task> Prepare(FollowUpMessage record) => session =>
    {
        session.Defer("INSERT INTO handoff_followup (handoff_id, customer_key, channel_id, user_id, text, at) VALUES (@id, @customer, @channel, @user, @text, @at)")
            .With("id", record.HandoffId).With("customer", record.CustomerKey).With("channel", record.ChannelId).With("user", record.UserId)
            .With("text", record.Text).WithTime("at", record.At);
        return Task.CompletedTask;
    };
}
