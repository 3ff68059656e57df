using System.ComponentModel.DataAnnotations;

namespace HandoffBot.AgentConsole;

/// <summary>A canned response an agent inserts by typing <c>/</c> and its shortcut in the reply box.</summary>
public sealed class CannedResponse
{
    [Required]
    public string Shortcut { get; set; } = "";

    [Required]
    public string Text { get; set; } = "";
}

/// <summary><c>AgentConsole</c>: the web agent console at <c>/agent</c>.</summary>
public sealed class AgentConsoleOptions : IValidatableObject
{
    public const string Section = "AgentConsole";

    /// <summary>Serve the console (default on). Without configured access it only runs when the bot listens on loopback.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a console session lasts without activity (sliding).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public List<CannedResponse> CannedResponses { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SessionLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{Section}:SessionLifetime must be positive.");
        }
        for (var i = 0; i < CannedResponses.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(CannedResponses[i].Shortcut) || CannedResponses[i].Shortcut.Any(char.IsWhiteSpace) || string.IsNullOrWhiteSpace(CannedResponses[i].Text))
            {
                yield return new ValidationResult($"{Section}:CannedResponses:{i} needs a Shortcut without spaces and a Text.");
            }
        }
    }
}
