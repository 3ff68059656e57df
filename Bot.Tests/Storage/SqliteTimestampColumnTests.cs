using HandoffBot.Storage.Sqlite;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.Storage;

/// <summary>The one timestamp representation: INTEGER microseconds UTC, compared as numbers, exact to the microsecond.</summary>
public sealed class SqliteTimestampColumnTests(BotFactory factory) : IClassFixture<BotFactory>
{
    /// <summary>Every store's tables (the handoff tables moved last, in the handoff schema's version 3).</summary>
    private static readonly string[] Tables =
        ["conversation_state", "transcript", "inbox", "access_audit", "directline_conversation", "directline_activity", "directline_attachment", "customer_profile",
         "handoff", "handoff_audit"];

    [Fact]
    public async Task EveryTimestampColumnOfTheStoresTablesIsAnInteger()
    {
        var database = factory.Services.GetRequiredService<SqliteDatabase>();
        await database.InitialiseAsync(CancellationToken.None);

        var columns = await database.ReadAsync(session =>
        {
            var found = new List<(string Table, string Column, string Type)>();
            using var reader = session.Command("""
                SELECT m.name, c.name, c.type FROM sqlite_master m JOIN pragma_table_info(m.name) c
                WHERE m.type = 'table' AND (c.name = 'at' OR c.name LIKE '%\_at' ESCAPE '\')
                """).ExecuteReader();
            while (reader.Read())
            {
                found.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
            return found;
        }, CancellationToken.None);

        columns.RemoveAll(c => !Tables.Contains(c.Table));
        Assert.Contains(columns, c => c is ("access_audit", "at", _));
        Assert.Contains(columns, c => c is ("inbox", "received_at", _));
        Assert.Contains(columns, c => c is ("directline_conversation", "created_at", _));
        Assert.Contains(columns, c => c is ("handoff", "offered_at", _));
        Assert.Contains(columns, c => c is ("handoff_audit", "at", _));
        Assert.All(columns, c => Assert.True(c.Type == "INTEGER", $"{c.Table}.{c.Column} is {c.Type}, not INTEGER microseconds"));
    }

    [Theory]
    [InlineData("2026-12-01T09:30:15.1234567+00:00", "2026-12-01T09:30:15.1234560+00:00")]
    [InlineData("2026-12-01T10:30:15.0000019+01:00", "2026-12-01T09:30:15.0000010+00:00")]
    [InlineData("1969-07-20T20:17:40.0000005+00:00", "1969-07-20T20:17:40.0000000+00:00")]
    public void ATimestampRoundTripsAsTheSameInstantInUtcToTheMicrosecond(string written, string read)
    {
        var value = DateTimeOffset.Parse(written, System.Globalization.CultureInfo.InvariantCulture);

        var back = SqliteTime.FromDb(SqliteTime.ToDb(value));

        Assert.Equal(DateTimeOffset.Parse(read, System.Globalization.CultureInfo.InvariantCulture), back);
        Assert.Equal(TimeSpan.Zero, back.Offset);
    }

    [Fact]
    public void StoredTimestampsOrderAsTheInstantsDoWhateverTheirOffset()
    {
        var earlier = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(9));
        var later = new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.FromHours(-1));

        Assert.True(SqliteTime.ToDb(earlier) < SqliteTime.ToDb(later));
    }
}
