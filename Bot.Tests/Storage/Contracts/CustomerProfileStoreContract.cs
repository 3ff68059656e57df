using System.Text.Json;
using HandoffBot.Handoff;
using HandoffBot.Storage.Sqlite;
using Microsoft.Extensions.Options;
using HandoffBot.Storage.Postgres;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// What the handoff packet relies on from <see cref="ICustomerProfileStore"/>: profiles by channel and user, seeded
/// from the sample file without overwriting what was stored since.
/// </summary>
public abstract class CustomerProfileStoreContract : StoreContract<ICustomerProfileStore>, IDisposable
{
    protected static readonly CustomerProfile Seeded = new("directline", "dl_seeded", "Sina Seed", "sina@example.com", "gold", "en", 12, "from the file");

    /// <summary>A seed file with <see cref="Seeded"/>, for <see cref="HandoffOptions.CustomerProfilesPath"/>.</summary>
    protected string SeedFile { get; } = Path.Combine(Path.GetTempPath(), $"handoffbot-profiles-{Guid.NewGuid():N}.json");

    protected CustomerProfileStoreContract() =>
        File.WriteAllText(SeedFile, JsonSerializer.Serialize(new List<CustomerProfile> { Seeded }, HandoffJsonContext.Default.ListCustomerProfile));

    public void Dispose()
    {
        File.Delete(SeedFile);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task AProfileFromTheSeedFileIsFound() =>
        Assert.Equal(Seeded, await Store.FindAsync(Seeded.ChannelId, Seeded.UserId, None));

    [Fact]
    public async Task AnUnknownCustomerHasNoProfile() => Assert.Null(await Store.FindAsync("directline", "dl_nobody", None));

    [Fact]
    public async Task AnUpsertedProfileIsFoundAndAnotherUpsertReplacesIt()
    {
        var profile = new CustomerProfile("msteams", "29:ana", "Ana", null, null, "de", null, null);
        await Store.UpsertAsync(profile, None);
        await Store.UpsertAsync(profile with { Tier = "platinum" }, None);

        Assert.Equal(profile with { Tier = "platinum" }, await Store.FindAsync("msteams", "29:ana", None));
    }

    [Fact]
    public async Task AnUpsertOfASeededCustomerWinsOverTheFile()
    {
        await Store.UpsertAsync(Seeded with { Notes = "changed by an agent" }, None);

        Assert.Equal("changed by an agent", (await Store.FindAsync(Seeded.ChannelId, Seeded.UserId, None))!.Notes);
    }

    [Fact]
    public async Task TheSameUserIdOnAnotherChannelIsAnotherCustomer()
    {
        await Store.UpsertAsync(Seeded with { ChannelId = "msteams", Name = "Someone else" }, None);

        Assert.Equal("Sina Seed", (await Store.FindAsync(Seeded.ChannelId, Seeded.UserId, None))!.Name);
        Assert.Equal("Someone else", (await Store.FindAsync("msteams", Seeded.UserId, None))!.Name);
    }
}

public sealed class SqliteCustomerProfileStoreTests : CustomerProfileStoreContract
{
    protected override Task<ICustomerProfileStore> CreateStoreAsync(TimeProvider time) =>
        Task.FromResult<ICustomerProfileStore>(new SqliteCustomerProfileStore(
            Owns(SqliteTestDatabase.Create(time, new SqliteCustomerProfileStore.Schema())).Database,
            Options.Create(new HandoffOptions { CustomerProfilesPath = SeedFile })));
}

public sealed class PostgresCustomerProfileStoreTests : CustomerProfileStoreContract
{
    protected override async Task<ICustomerProfileStore> CreateStoreAsync(TimeProvider time) =>
        new PostgresCustomerProfileStore(Owns(await PostgresTestDatabase.CreateAsync(time, new PostgresCustomerProfileStore.Schema())).Database,
            Options.Create(new HandoffOptions { CustomerProfilesPath = SeedFile }));
}
