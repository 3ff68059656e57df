using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Storage.Contracts;
using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Storage;

/// <summary>The SQLite file database in WAL mode, as the bot runs it: the WAL must not grow with what was ever written.</summary>
public sealed class SqliteCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("handoffbot-wal-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class BlobSchema() : SqliteSchema("blob", "CREATE TABLE IF NOT EXISTS blob (id INTEGER PRIMARY KEY, body BLOB NOT NULL);");

    [Fact]
    public async Task TheWalStaysBoundedWhileFarMoreThanItsLimitIsWritten()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var database = SqliteTestDatabase.OnFile(_folder, time, null, new BlobSchema());
        var body = new byte[8 * 1024];
        var wal = Path.Combine(_folder, "handoffbot.db-wal");
        long largest = 0;
        await using (database)
        {
            // Each write is a transaction of a few pages (an 8 KB row spills into overflow pages): about 3 x 3,000 frames
            // in all, several times the RESTART threshold. Time moves past the checkpoint interval between writes.
            for (var i = 0; i < 3_000; i++)
            {
                await database.WriteAsync(session => session.Command("INSERT INTO blob (body) VALUES ($body)").With("$body", body).ExecuteNonQuery(), CancellationToken.None);
                time.Advance(SqliteDatabase.CheckpointInterval);
                largest = Math.Max(largest, new FileInfo(wal).Length);
            }
            var rows = await database.ReadAsync(session => (long)session.Command("SELECT count(*) FROM blob").ExecuteScalar()!, CancellationToken.None);
            Assert.Equal(3_000, rows);
        }

        var written = 3_000L * body.Length;
        var limit = (SqliteDatabase.RestartAtFrames + 64) * (4096 + 24L);
        Assert.True(largest < limit, $"the WAL reached {largest:N0} bytes (limit {limit:N0}) while {written:N0} bytes of rows were written");
        Assert.True(written > 2 * limit, "the test must write well past the WAL limit to mean anything");
    }
}
