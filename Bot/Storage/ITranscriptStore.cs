using HandoffBot.Protocol;

namespace HandoffBot.Storage;

/// <summary>Every inbound and outbound activity of every conversation, in the order they happened.</summary>
public interface ITranscriptStore
{
    Task AppendAsync(IReadOnlyList<Activity> activities, CancellationToken cancellationToken);

    /// <summary>The conversation's activities in order; empty when there are none.</summary>
    Task<IReadOnlyList<Activity>> ReadAsync(string channelId, string conversationId, CancellationToken cancellationToken);

    /// <summary>Finds the activities of a conversation id on whichever channel it lives.</summary>
    Task<IReadOnlyList<Activity>> ReadAsync(string conversationId, CancellationToken cancellationToken);
}
