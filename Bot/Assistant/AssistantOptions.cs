using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Assistant;

public sealed class AssistantOptions
{
    public const string Section = "Assistant";

    /// <summary>The knowledge base file; relative paths are under the application folder.</summary>
    [Required]
    public string KnowledgeBasePath { get; set; } = "Knowledge/retail-kb.json";

    /// <summary>
    /// Below this calibrated probability the assistant says it is not sure and asks the customer to rephrase. 0.65:
    /// an answer is worth giving when it is right about twice as often as it is wrong (a wrong answer costs about
    /// twice what a right one gains), and it sits inside the escalation confidence trigger's 0.6-0.7 band, so the
    /// assistant never answers confidently what escalation would call unsure. See README: Assistant.
    /// </summary>
    [Range(0.0, 1.0)]
    public double ConfidenceThreshold { get; set; } = DefaultConfidenceThreshold;

    public const double DefaultConfidenceThreshold = 0.65;
}
