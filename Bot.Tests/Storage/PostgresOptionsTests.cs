using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Storage;

/// <summary>The provider's options are checked before anything starts: a clear reason instead of a failure at the first turn.</summary>
public sealed class PostgresOptionsTests
{
    private static string StartupError(params (string Key, string? Value)[] settings)
    {
        using var factory = new BotFactory();
        foreach (var (key, value) in settings)
        {
            factory.With(key, value);
        }
        return factory.StartupFailure().ToString();
    }

    [Theory]
    [InlineData("00:00:00.1")]
    [InlineData("00:02:00")]
    public void ADirectLineCatchUpIntervalOutOfRangeStopsTheStartNamingTheKey(string interval) =>
        Assert.Contains("DirectLine:CatchUpInterval must be between 00:00:00.2 and 00:01:00.",
            StartupError(("Storage:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Database=handoffbot"),
                ("DirectLine:Secret", "a-shared-secret-0123456789"), ("DirectLine:CatchUpInterval", interval)), StringComparison.Ordinal);

    [Fact]
    public void AnUnknownProviderStopsTheStart() =>
        Assert.Contains("Storage:Provider must be 'Sqlite' or 'Postgres'.", StartupError(("Storage:Provider", "Oracle")), StringComparison.Ordinal);

    [Fact]
    public void PostgresWithoutAConnectionStringStopsTheStart() =>
        Assert.Contains("Storage:Provider is 'Postgres' but ConnectionStrings:Postgres is not set.",
            StartupError(("Storage:Provider", "Postgres"), ("DirectLine:Secret", "a-shared-secret-0123456789")), StringComparison.Ordinal);

    [Fact]
    public void PostgresWithAMalformedConnectionStringStopsTheStart() =>
        Assert.Contains("ConnectionStrings:Postgres is not a valid Npgsql connection string",
            StartupError(("Storage:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=127.0.0.1;Bogus Key=1"), ("DirectLine:Secret", "a-shared-secret-0123456789")),
            StringComparison.Ordinal);

    [Fact]
    public void PostgresWithARandomDirectLineKeyPerProcessStopsTheStart() =>
        Assert.Contains("DirectLine:Secret is not set: Direct Line tokens would be signed with a random key of this process",
            StartupError(("Storage:Provider", "Postgres"), ("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Database=handoffbot"), ("DirectLine:Secret", "")),
            StringComparison.Ordinal);
}
