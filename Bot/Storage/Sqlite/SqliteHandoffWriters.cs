using HandoffBot.Handoff;

namespace HandoffBot.Storage.Sqlite;

/// <summary>
/// Writes a <see cref="HandoffOpened"/> of a turn's commit. A second active handoff for the same customer (another
/// turn or instance opened one first) is a conflict: the whole turn is not stored and runs again or fails.
/// </summary>
internal sealed class SqliteHandoffOpenedWriter : SqliteTurnRecordWriter<HandoffOpened>
{
    protected override Action<SqliteSession> Prepare(HandoffOpened record)
    {
        var insert = SqliteHandoffStore.PrepareInsert(record);
        return session =>
        {
            if (!insert(session))
            {
                throw new StateConflictException(record.Record.CustomerKey, null);
            }
        };
    }
}

/// <summary>Writes a <see cref="HandoffTransitionRecord"/> of a turn's commit; a changed version is a state conflict.</summary>
internal sealed class SqliteHandoffTransitionWriter : SqliteTurnRecordWriter<HandoffTransitionRecord>
{
    protected override Action<SqliteSession> Prepare(HandoffTransitionRecord record) => session =>
    {
        if (!SqliteHandoffStore.TryWrite(session, record.ExpectedVersion, record.Next))
        {
            throw new StateConflictException(record.Next.CustomerKey, record.ExpectedVersion);
        }
        SqliteHandoffStore.AppendAudit(session, record.Audit);
        SqliteAnalyticsFacts.Apply(session, record.Next, record.Audit);
    };
}

/// <summary>Writes a <see cref="HandoffAuditRecord"/> of a commit: one audit line, the handoff itself unchanged.</summary>
internal sealed class SqliteHandoffAuditWriter : SqliteTurnRecordWriter<HandoffAuditRecord>
{
    protected override Action<SqliteSession> Prepare(HandoffAuditRecord record) => session => SqliteHandoffStore.AppendAudit(session, record.Audit);
}
