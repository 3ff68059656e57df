using System.Security.Cryptography;
using System.Text;
using HandoffBot.Hosting.Access;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The console's sign-in keys on embedded defaults with several instances: one random secret per deployment (table
/// <c>console_sign_in_seed</c>, made by the first instance that needs it, <c>INSERT ... ON CONFLICT DO NOTHING</c>), and
/// each agent's key derived from it (HKDF-SHA256 over role, agent id and name). Every instance prints the same link for
/// an agent and accepts the links of every other instance; the keys stay the same across restarts until the row is
/// deleted (then every instance makes new links at its next start). The secret is protected like the Data Protection
/// key ring next to it: by access to the database (docs/security.md).
/// </summary>
internal sealed class PostgresSignInKeys(PostgresDatabase database, TimeProvider time) : ISignInKeySource
{
    private static readonly byte[] Salt = Encoding.UTF8.GetBytes("HandoffBot console sign-in");

    private readonly Lazy<byte[]> _seed = new(() => database.WriteAsync(async session =>
    {
        await session.ExecuteAsync("""
            INSERT INTO console_sign_in_seed (id, seed, made_at, made_by) VALUES (1, @seed, @at, @by) ON CONFLICT (id) DO NOTHING
            """, ("seed", RandomNumberGenerator.GetBytes(32)), ("at", PostgresTime.ToDb(time.GetUtcNow())), ("by", database.InstanceName));
        await using var read = session.Command("SELECT seed FROM console_sign_in_seed WHERE id = 1");
        return (byte[])(await read.ExecuteScalarAsync(session.CancellationToken))!;
    }, CancellationToken.None).GetAwaiter().GetResult(), LazyThreadSafetyMode.PublicationOnly); // a failed read is tried again

    internal sealed class Schema() : PostgresSchema("console_sign_in_seed", """
        CREATE TABLE console_sign_in_seed (
            id      integer PRIMARY KEY CHECK (id = 1),
            seed    bytea NOT NULL,
            made_at timestamptz NOT NULL,
            made_by text NOT NULL
        );
        """);

    public string KeyFor(ApiKeyEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var info = Encoding.UTF8.GetBytes($"{entry.Role.ToLowerInvariant()}\n{entry.AgentId}\n{entry.Name}");
        return SignInKeyText.Of(HKDF.DeriveKey(HashAlgorithmName.SHA256, _seed.Value, 24, Salt, info));
    }
}
