using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace HandoffBot.Storage.Postgres;

/// <summary>
/// The ASP.NET Core Data Protection key ring of every instance of a deployment, in PostgreSQL (table
/// <c>data_protection_key</c>): the keys that protect the console's session cookie and anti-forgery tokens are written
/// once and read by every instance, so a cookie issued by one instance is accepted by all.
/// <para>
/// Keys are stored as Data Protection writes them: unencrypted unless an XML encryptor is configured
/// (<c>ProtectKeysWithCertificate</c>); what protects them is the database's access control (docs/security.md).
/// </para>
/// <para>
/// <b>One key, not one per instance.</b> Data Protection reads the ring, decides that a key is due (none yet, or the
/// default one about to expire) and stores a new one. Instances starting together on an empty schema would all decide
/// so and each use its own key until their next refresh (24 h), refusing each other's cookies meanwhile. So a new key is
/// stored under an advisory lock per schema, and only if no other key was stored since this instance last read the
/// ring: otherwise another instance already acted on the same decision, the new key is dropped before anything was
/// protected with it, and Data Protection's re-read right after the store finds and uses the other instance's key.
/// Revocations are always stored.
/// </para>
/// <para>
/// <see cref="IXmlRepository"/> is synchronous; Data Protection calls it when it loads or refreshes the ring (at
/// start-up, then about once a day), so the calls wait on the async store here.
/// </para>
/// </summary>
internal sealed partial class PostgresKeyRing(PostgresDatabase database, TimeProvider time, ILogger<PostgresKeyRing> logger) : IXmlRepository
{
    private const string KeyElement = "key";

    internal sealed class Schema() : PostgresSchema("data_protection_key", """
        CREATE TABLE data_protection_key (
            id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            element       text NOT NULL,
            friendly_name text NOT NULL,
            xml           text NOT NULL,
            stored_at     timestamptz NOT NULL,
            stored_by     text NOT NULL
        );
        """);

    /// <summary>The highest row id this instance has read: a key stored after it was stored by someone else.</summary>
    private long _seen;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var rows = database.ReadAsync<IReadOnlyList<(long Id, string Xml)>>(async session =>
        {
            await using var command = session.Command("SELECT id, xml FROM data_protection_key ORDER BY id");
            return await command.ListAsync(reader => (reader.GetInt64(0), reader.GetString(1)), session.CancellationToken);
        }, CancellationToken.None).GetAwaiter().GetResult();
        if (rows.Count > 0)
        {
            InterlockedMax(ref _seen, rows[^1].Id);
        }
        return [.. rows.Select(r => XElement.Parse(r.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var kind = element.Name.LocalName;
        var seen = Volatile.Read(ref _seen);
        var stored = database.WriteAsync(async session =>
        {
            await session.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtextextended('handoffbot.data-protection/' || current_schema(), 0))");
            if (kind == KeyElement)
            {
                await using var newer = session.Command("SELECT max(id) FROM data_protection_key WHERE element = @key AND id > @seen")
                    .With("key", KeyElement).With("seen", seen);
                if (await newer.ExecuteScalarAsync(session.CancellationToken) is long)
                {
                    return false;
                }
            }
            await using var insert = session.Command("""
                INSERT INTO data_protection_key (element, friendly_name, xml, stored_at, stored_by)
                VALUES (@element, @name, @xml, @at, @by)
                """)
                .With("element", kind).With("name", friendlyName ?? "").With("xml", element.ToString(SaveOptions.DisableFormatting))
                .WithTime("at", time.GetUtcNow()).With("by", database.InstanceName);
            await insert.ExecuteNonQueryAsync(session.CancellationToken);
            return true;
        }, CancellationToken.None).GetAwaiter().GetResult();
        if (stored)
        {
            LogStored(logger, kind, friendlyName ?? "");
        }
        else
        {
            LogKeptOther(logger, friendlyName ?? "");
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var previous = Interlocked.CompareExchange(ref target, value, current);
            if (previous == current)
            {
                return;
            }
            current = previous;
        }
    }

    [LoggerMessage(EventId = 6025, Level = LogLevel.Information, Message = "Data Protection {Element} '{FriendlyName}' stored in PostgreSQL for every instance")]
    private static partial void LogStored(ILogger logger, string element, string friendlyName);

    [LoggerMessage(EventId = 6026, Level = LogLevel.Information, Message = "Data Protection key '{FriendlyName}' not stored: another instance stored a key first, and that one is used")]
    private static partial void LogKeptOther(ILogger logger, string friendlyName);
}
