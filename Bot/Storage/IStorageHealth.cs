namespace HandoffBot.Storage;

public interface IStorageHealth
{
    /// <summary>Throws when storage cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
