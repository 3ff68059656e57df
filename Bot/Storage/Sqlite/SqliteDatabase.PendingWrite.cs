namespace HandoffBot.Storage.Sqlite;

/// <summary>A write waiting for the writer: run in its savepoint, then completed (or failed) with its batch.</summary>
public sealed partial class SqliteDatabase
{
    private abstract class PendingWrite
    {
        public abstract bool IsCancelled { get; }

        /// <summary>Runs the write; false when it threw (its savepoint is then rolled back).</summary>
        public abstract bool Run(SqliteSession session);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<SqliteSession, T> write, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool IsCancelled
        {
            get
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
                _completion.TrySetCanceled(cancellationToken);
                return true;
            }
        }

        public override bool Run(SqliteSession session)
        {
            try
            {
                _result = write(session);
                return true;
            }
            catch (Exception exception)
            {
                _error = exception;
                return false;
            }
        }

        public override void Complete()
        {
            if (_error is null)
            {
                _completion.TrySetResult(_result);
            }
            else
            {
                _completion.TrySetException(_error);
            }
        }

        public override void Fail(Exception exception) => _completion.TrySetException(_error ?? exception);
    }
}
