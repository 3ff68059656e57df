namespace HandoffBot.Handoff;

/// <summary>Who the customer is, keyed by channel and the channel's user id (the embedded stand-in for a CRM).</summary>
public interface ICustomerProfileStore
{
    Task<CustomerProfile?> FindAsync(string channelId, string userId, CancellationToken cancellationToken);

    Task UpsertAsync(CustomerProfile profile, CancellationToken cancellationToken);
}
