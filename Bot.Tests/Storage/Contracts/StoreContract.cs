using Microsoft.Extensions.Time.Testing;

namespace HandoffBot.Tests.Storage.Contracts;

/// <summary>
/// The base of every store contract: a fresh, empty store per test on a fake clock. A provider runs a contract by
/// subclassing it and creating its store in <see cref="CreateStoreAsync"/> (SQLite today, PostgreSQL later); what
/// the store needs released is handed to <see cref="Owns{T}"/>.
/// </summary>
public abstract class StoreContract<TStore> : IAsyncLifetime
    where TStore : class
{
    /// <summary>A start time with sub-microsecond ticks, so a provider that rounds differently is caught.</summary>
    protected static readonly DateTimeOffset Start = new DateTimeOffset(2026, 12, 1, 9, 30, 15, TimeSpan.Zero).AddTicks(1_234_567);

    private readonly List<IAsyncDisposable> _owned = [];
    private TStore? _store;

    protected FakeTimeProvider Time { get; } = new(Start);

    protected TStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken None => CancellationToken.None;

    /// <summary>A new, empty store of the provider under test on <paramref name="time"/>.</summary>
    protected abstract Task<TStore> CreateStoreAsync(TimeProvider time);

    /// <summary>Disposes <paramref name="resource"/> after the test.</summary>
    protected T Owns<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    /// <summary>The precision every provider keeps: microseconds (PostgreSQL timestamptz, SQLite INTEGER µs).</summary>
    protected static DateTimeOffset ToMicroseconds(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    public async Task InitializeAsync() => _store = await CreateStoreAsync(Time);

    public async Task DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_owned))
        {
            await resource.DisposeAsync();
        }
    }
}
