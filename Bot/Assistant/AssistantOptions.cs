using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Assistant;

public sealed class AssistantOptions
{
    public const string Section = "Assistant";

    /// <summary>The knowledge base file; relative paths are under the application folder.</summary>
    [Required]
    public string KnowledgeBasePath { get; set; } = "Knowledge/retail-kb.json";

    /// <summary>Below this confidence the assistant says it is not sure and asks the customer to rephrase.</summary>
    [Range(0.0, 1.0)]
    public double ConfidenceThreshold { get; set; } = 0.5;

    [Required]
    public string WelcomeText { get; set; } = "Hi! I'm the HandoffBot assistant. Ask me about orders, delivery, returns, refunds, payments or your account, and I'll bring in a person whenever you need one.";

    [Required]
    public string NotSureText { get; set; } = "I'm not sure I understood that. Could you rephrase it, for example with the order or product it's about?";
}
