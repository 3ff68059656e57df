using System.ComponentModel.DataAnnotations;

namespace HandoffBot.Hosting.Access;

/// <summary>Roles of the people who use the agent and admin endpoints; each includes the ones below it.</summary>
public static class AccessRoles
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Admin = "admin";

    public static readonly string[] All = [Agent, Supervisor, Admin];

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Named authorization policies for endpoint groups.</summary>
public static class AccessPolicies
{
    public const string Agent = "HandoffAgent";
    public const string Supervisor = "HandoffSupervisor";
    public const string Admin = "HandoffAdmin";
}

/// <summary>An API key for a person or a tool. Put keys in user secrets or environment variables, never in the file.</summary>
public sealed class ApiKeyEntry
{
    [Required]
    public string Name { get; set; } = "";

    [Required]
    public string Key { get; set; } = "";

    [Required]
    public string Role { get; set; } = AccessRoles.Agent;

    /// <summary>For the agent role: the agent id in the routing roster (links the key to the conversations the agent handles).</summary>
    public string? AgentId { get; set; }
}

/// <summary>JWT bearer tokens from an identity provider: an authority (OpenID discovery) or a shared signing key.</summary>
public sealed class JwtAccessOptions
{
    public string? Authority { get; set; }

    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    /// <summary>Symmetric signing key (at least 32 bytes of UTF-8) when there is no authority.</summary>
    public string? SigningKey { get; set; }

    public string RoleClaim { get; set; } = "roles";

    public string AgentIdClaim { get; set; } = "agent_id";
}

public sealed class AccessOptions : IValidatableObject
{
    public const string Section = "Access";

    public List<ApiKeyEntry> ApiKeys { get; set; } = [];

    public JwtAccessOptions? Jwt { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var entry = ApiKeys[i];
            if (string.IsNullOrWhiteSpace(entry.Name))
            {
                yield return new ValidationResult($"{Section}:ApiKeys:{i}:Name is required.");
            }
            if (entry.Key is not { Length: >= 16 })
            {
                yield return new ValidationResult($"{Section}:ApiKeys:{i}:Key must be at least 16 characters.");
            }
            if (!AccessRoles.IsKnown(entry.Role))
            {
                yield return new ValidationResult($"{Section}:ApiKeys:{i}:Role '{entry.Role}' is not one of {string.Join(", ", AccessRoles.All)}.");
            }
            if (string.Equals(entry.Role, AccessRoles.Agent, StringComparison.OrdinalIgnoreCase) && string.IsNullOrWhiteSpace(entry.AgentId))
            {
                yield return new ValidationResult($"{Section}:ApiKeys:{i}: an agent key needs AgentId.");
            }
        }
        if (ApiKeys.GroupBy(k => k.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            yield return new ValidationResult($"{Section}:ApiKeys: two entries share one key.");
        }
        if (Jwt is { } jwt)
        {
            if (string.IsNullOrWhiteSpace(jwt.Audience))
            {
                yield return new ValidationResult($"{Section}:Jwt:Audience is required.");
            }
            if (string.IsNullOrWhiteSpace(jwt.Authority) && (string.IsNullOrWhiteSpace(jwt.Issuer) || System.Text.Encoding.UTF8.GetByteCount(jwt.SigningKey ?? "") < 32))
            {
                yield return new ValidationResult($"{Section}:Jwt needs an Authority, or an Issuer and a SigningKey of at least 32 bytes.");
            }
        }
    }
}
