using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Handoff.Events;
using HandoffBot.Hosting.Access;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// Handoffs in PostgreSQL. A transition locks its row (<c>SELECT ... FOR UPDATE</c>) inside one transaction with its
/// version-checked update, audit line and consequences, so concurrent transitions of one handoff, from any instance,
/// run one after the other and each sees the previous result: of many agents accepting at once exactly one wins.
/// </summary>
internal sealed class PostgresHandoffStore(PostgresDatabase database, PostgresRecordWriters writers, HandoffEventSignal events) : IHandoffStore, IConversationAssignments
{
    private const string WithoutPacket = "(json - 'packet')::text";

    public async Task<Transition> CreateAsync(Transition opened, HandoffActor actor, CancellationToken cancellationToken)
    {
        var record = HandoffOpened.From(opened, actor);
        var insert = PostgresHandoffRows.PrepareInsert(record);
        var created = await database.WriteAsync(insert, cancellationToken);
        if (!created)
        {
            return new Transition(null, new HandoffError(HandoffError.Conflict, "This conversation already has a handoff under way."), opened.Action, opened.Reason);
        }
        events.Notify();
        return opened with { Value = record.Record };
    }

    public async Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json::text FROM handoff WHERE id = @p", id, cancellationToken));

    public async Task<HandoffRecord?> GetWithoutPacketAsync(string id, CancellationToken cancellationToken) =>
        First(await QueryAsync($"SELECT {WithoutPacket} FROM handoff WHERE id = @p", id, cancellationToken));

    public async Task<HandoffRecord?> GetLatestForCustomerAsync(string customerKey, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json::text FROM handoff WHERE customer_key = @p ORDER BY active DESC, created_at DESC, seq DESC LIMIT 1", customerKey, cancellationToken));

    public Task<IReadOnlyList<HandoffRecord>> ListActiveAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT json::text FROM handoff WHERE active ORDER BY created_at, seq", null, cancellationToken);

    // PostgreSQL drops the packet (most of the document) before .NET parses anything.
    public Task<IReadOnlyList<HandoffRecord>> ListActiveWithoutPacketsAsync(CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {WithoutPacket} FROM handoff WHERE active ORDER BY created_at, seq", null, cancellationToken);

    // The JSON of unchanged handoffs is neither parsed by PostgreSQL nor sent: at 1,700 active handoffs the full read
    // took 57-82 ms every check.
    public Task<IReadOnlyList<ActiveHandoff>> ListActiveChangedAsync(IReadOnlyDictionary<string, long> known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(known);
        var ids = known.Keys.ToArray();
        var versions = ids.Select(id => known[id]).ToArray();
        return database.ReadAsync<IReadOnlyList<ActiveHandoff>>(async session =>
        {
            await using var command = session.Command($"""
                SELECT handoff.id, handoff.version, CASE WHEN k.version = handoff.version THEN NULL ELSE {WithoutPacket} END
                FROM handoff LEFT JOIN unnest(@ids::text[], @versions::bigint[]) AS k(id, version) ON k.id = handoff.id
                WHERE handoff.active ORDER BY handoff.created_at, handoff.seq
                """).With("ids", ids).With("versions", versions);
            return await command.ListAsync(r => new ActiveHandoff(r.GetString(0), r.GetInt64(1),
                r.IsDBNull(2) ? null : JsonSerializer.Deserialize(r.GetString(2), HandoffJsonContext.Default.HandoffRecord)), cancellationToken);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<HandoffRecord>> ListForSweepAsync(DateTimeOffset offeredBy, CancellationToken cancellationToken) =>
        QueryAsync($"""
            SELECT {WithoutPacket} FROM handoff
            WHERE active AND (status = 'Queued' OR hub_conversation IS NULL OR (status = 'Offered' AND offered_at <= @p))
            ORDER BY created_at, seq
            """, PostgresTime.ToDb(offeredBy), cancellationToken);

    public Task<IReadOnlyList<HandoffRecord>> ListEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {WithoutPacket} FROM handoff WHERE NOT active AND updated_at >= @p ORDER BY updated_at, seq", PostgresTime.ToDb(since), cancellationToken);

    public async Task<HandoffRecord?> FindActiveByHubConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        First(await QueryAsync("SELECT json::text FROM handoff WHERE active AND hub_conversation = @p LIMIT 1", conversationId, cancellationToken));

    public Task<Transition> TryTransitionAsync(string id, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        TransitionAsync(id, null, transition, actor, consequences, cancellationToken);

    public Task<Transition> TryOwnerTransitionAsync(string id, long term, Func<HandoffRecord, Transition> transition, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        TransitionAsync(id, term, transition, HandoffActor.System, consequences, cancellationToken);

    /// <summary>A transition; with <paramref name="ownerTerm"/>, only while that routing term is the current one.</summary>
    private Task<Transition> TransitionAsync(string id, long? ownerTerm, Func<HandoffRecord, Transition> transition, HandoffActor actor, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        HandoffBot.Telemetry.HandoffTelemetry.TraceTransitionAsync(id, async () =>
        {
            var result = await database.WriteAsync(async session =>
            {
                if (ownerTerm is { } term && !await PostgresRoutingFence.HoldsAsync(session, term))
                {
                    return HandoffChanges.NotRoutingOwner;
                }
                var change = HandoffChanges.Transition(id, await PostgresHandoffRows.ReadLockedAsync(session, id), transition, actor);
                if (change is not { Stored: { } stored, Audit: { } audit })
                {
                    return change.Result;
                }
                if (!await PostgresHandoffRows.TryWriteAsync(session, change.ExpectedVersion, stored))
                {
                    return HandoffChanges.Conflict;
                }
                PostgresHandoffRows.QueueAudit(session, audit);
                PostgresAnalyticsFacts.Apply(session, stored, audit);
                await writers.WriteAsync(session, consequences?.Invoke(stored));
                return change.Result;
            }, cancellationToken);
            if (result.Succeeded)
            {
                events.Notify();
            }
            return result;
        });

    public Task<HandoffRecord?> UpdateAsync(string id, Func<HandoffRecord, HandoffRecord> change, Func<HandoffRecord, IReadOnlyList<ITurnRecord>>? consequences, CancellationToken cancellationToken) =>
        database.WriteAsync(async session =>
        {
            var current = await PostgresHandoffRows.ReadLockedAsync(session, id);
            if (HandoffChanges.Update(current, change) is not { } stored || !await PostgresHandoffRows.TryWriteAsync(session, current!.Version, stored))
            {
                return null;
            }
            await writers.WriteAsync(session, consequences?.Invoke(stored));
            return stored;
        }, cancellationToken);

    public Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("""
                SELECT 1 FROM handoff WHERE json #>> '{customer,conversation,id}' = @conversation AND json ->> 'agentId' = @agent LIMIT 1
                """).With("conversation", conversationId).With("agent", agentId);
            return await command.ExecuteScalarAsync(cancellationToken) is not null;
        }, cancellationToken);

    public Task<IReadOnlyList<HandoffAuditEntry>> ReadAuditAsync(string handoffId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffAuditEntry>>(async session =>
        {
            await using var command = session.Command("SELECT at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason FROM handoff_audit WHERE handoff_id = @id AND message_key IS NULL ORDER BY seq")
                .With("id", handoffId);
            return await command.ListAsync(r => new HandoffAuditEntry(handoffId, r.GetTime(0), new HandoffActor(HandoffActorKinds.Parse(r.GetString(1)), r.GetString(2), r.GetNullableString(3)),
                r.GetString(4), Enum.Parse<HandoffStatus>(r.GetString(5)), Enum.Parse<HandoffStatus>(r.GetString(6)), r.GetString(7)), cancellationToken);
        }, cancellationToken);

    private Task<IReadOnlyList<HandoffRecord>> QueryAsync(string sql, object? parameter, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffRecord>>(async session =>
        {
            await using var command = session.Command(sql);
            if (parameter is not null)
            {
                command.With("p", parameter);
            }
            return await command.ListAsync(r => JsonSerializer.Deserialize(r.GetString(0), HandoffJsonContext.Default.HandoffRecord)!, cancellationToken);
        }, cancellationToken);

    private static HandoffRecord? First(IReadOnlyList<HandoffRecord> records) => records.Count > 0 ? records[0] : null;
}

/// <summary>The handoff event log over <c>handoff_audit</c> (its <c>seq</c> is the event sequence, handed out in commit order).</summary>
internal sealed class PostgresHandoffEventLog(PostgresDatabase database) : IHandoffEventLog
{
    private const string Columns = "seq, handoff_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, reason, message_key, message_kind, message_text";

    public Task<IReadOnlyList<HandoffEvent>> ReadAfterAsync(long afterSequence, int max, CancellationToken cancellationToken) =>
        ReadAsync($"SELECT {Columns} FROM handoff_audit WHERE seq > @after ORDER BY seq LIMIT @max", ("after", afterSequence), ("max", max), cancellationToken);

    public Task<IReadOnlyList<HandoffEvent>> ReadHandoffAsync(string handoffId, CancellationToken cancellationToken) =>
        ReadAsync($"SELECT {Columns} FROM handoff_audit WHERE handoff_id = @id ORDER BY seq", ("id", handoffId), null, cancellationToken);

    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async session =>
        {
            await using var command = session.Command("SELECT COALESCE(MAX(seq), 0) FROM handoff_audit");
            return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0L;
        }, cancellationToken);

    private Task<IReadOnlyList<HandoffEvent>> ReadAsync(string sql, (string Name, object Value) first, (string Name, object Value)? second, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HandoffEvent>>(async session =>
        {
            await using var command = session.Command(sql).With(first.Name, first.Value);
            if (second is { } more)
            {
                command.With(more.Name, more.Value);
            }
            return await command.ListAsync(r => new HandoffEvent(
                r.GetInt64(0),
                new HandoffAuditEntry(r.GetString(1), r.GetTime(2), new HandoffActor(HandoffActorKinds.Parse(r.GetString(3)), r.GetString(4), r.GetNullableString(5)), r.GetString(6),
                    Enum.Parse<HandoffStatus>(r.GetString(7)), Enum.Parse<HandoffStatus>(r.GetString(8)), r.GetString(9)),
                r.IsDBNull(10) ? null : new HandoffMessage(r.GetString(10), (HandoffMessageKind)r.GetInt32(11), r.GetString(12))), cancellationToken);
        }, cancellationToken);
}
