namespace HandoffBot.Hosting.Access;

/// <summary>
/// Answers whether an agent is handling (or has handled) a customer conversation, so that agent may read its
/// transcript. The handoff feature provides the real answer; without it no agent is assigned to anything.
/// </summary>
public interface IConversationAssignments
{
    Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken);
}

internal sealed class NoConversationAssignments : IConversationAssignments
{
    public Task<bool> IsHandledByAsync(string conversationId, string agentId, CancellationToken cancellationToken) => Task.FromResult(false);
}
