using Microsoft.Extensions.Options;

namespace HandoffBot.Routing;

/// <summary>Start-up validation of <see cref="RoutingOptions"/>: every problem in one message, naming the key.</summary>
internal sealed class RoutingOptionsValidator(IEnumerable<IRoutingPolicy> policies) : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var errors = new List<string>();
        var known = policies.Select(p => p.Name).ToList();
        KnownPolicy(errors, known, "Routing:Policy", options.Policy);
        Positive(errors, "AgingStep", options.AgingStep);
        if (options.AgingStep > TimeSpan.FromDays(1))
        {
            errors.Add("Routing:AgingStep must be at most 1 day.");
        }
        Positive(errors, "RelaxSkillAfter", options.RelaxSkillAfter);
        Positive(errors, "PreferLastAgentWithin", options.PreferLastAgentWithin);
        Positive(errors, "OfferTimeout", options.OfferTimeout);
        Positive(errors, "MaxWait", options.MaxWait);
        Positive(errors, "EstimateWindow", options.EstimateWindow);
        Positive(errors, "OwnerCheckInterval", options.OwnerCheckInterval);
        if (options.OwnerCheckInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add("Routing:OwnerCheckInterval must be at most 1 minute (it bounds how long routing stops when its owner dies).");
        }
        if (AgentLanguages.Primary(options.DefaultLanguage) is null)
        {
            errors.Add($"Routing:DefaultLanguage '{options.DefaultLanguage}' is not a language tag (e.g. en, de-DE).");
        }
        if (options.EstimateMinSamples < 1)
        {
            errors.Add("Routing:EstimateMinSamples must be at least 1.");
        }
        if (options.EstimateMaxSamples < options.EstimateMinSamples)
        {
            errors.Add("Routing:EstimateMaxSamples must be at least Routing:EstimateMinSamples.");
        }
        if (options.Queues.Count == 0)
        {
            errors.Add("Routing:Queues must define at least one queue (name -> Skill, Priority).");
        }
        foreach (var (queue, settings) in options.Queues)
        {
            if (string.IsNullOrWhiteSpace(settings.Skill))
            {
                errors.Add($"Routing:Queues:{queue}:Skill is required.");
            }
            if (settings.Priority is < -100 or > 100)
            {
                errors.Add($"Routing:Queues:{queue}:Priority must be between -100 and 100.");
            }
            if (!string.IsNullOrWhiteSpace(settings.Policy))
            {
                KnownPolicy(errors, known, $"Routing:Queues:{queue}:Policy", settings.Policy);
            }
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Agents.Count; i++)
        {
            ValidateAgent(errors, $"Routing:Agents:{i}", options.Agents[i], ids);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateAgent(List<string> errors, string key, RoutingAgentOptions agent, HashSet<string> ids)
    {
        if (string.IsNullOrWhiteSpace(agent.Id))
        {
            errors.Add($"{key}:Id is required.");
        }
        else if (!ids.Add(agent.Id))
        {
            errors.Add($"{key}:Id '{agent.Id}' is used by more than one agent.");
        }
        if (string.IsNullOrWhiteSpace(agent.Name))
        {
            errors.Add($"{key}:Name is required.");
        }
        if (agent.Skills.Count == 0)
        {
            errors.Add($"{key}:Skills must list at least one skill (skill -> proficiency 1-5).");
        }
        foreach (var (skill, proficiency) in agent.Skills)
        {
            if (proficiency is < 1 or > 5)
            {
                errors.Add($"{key}:Skills:{skill} must be a proficiency from 1 to 5, not {proficiency}.");
            }
            if (skill.StartsWith(AgentLanguages.SkillPrefix, StringComparison.OrdinalIgnoreCase) && AgentLanguages.Primary(skill[AgentLanguages.SkillPrefix.Length..]) is null)
            {
                errors.Add($"{key}:Skills:{skill} is not a language skill of the form {AgentLanguages.SkillPrefix}xx (e.g. {AgentLanguages.SkillPrefix}de).");
            }
        }
        if (agent.CapacityPerChannel.Count == 0)
        {
            errors.Add($"{key}:CapacityPerChannel must give at least one capacity (\"*\": 2 for every channel); with none the agent is never offered a conversation.");
        }
        foreach (var (channel, capacity) in agent.CapacityPerChannel)
        {
            if (capacity is < 0 or > 1000)
            {
                errors.Add($"{key}:CapacityPerChannel:{channel} must be between 0 and 1000.");
            }
        }
        if (!Enum.IsDefined(agent.Presence))
        {
            errors.Add($"{key}:Presence must be Available, Away or Offline.");
        }
        if (agent.WorkingHours is { } hours)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(hours.TimeZone, out _))
            {
                errors.Add($"{key}:WorkingHours:TimeZone '{hours.TimeZone}' is not a known IANA time zone id (e.g. Europe/London).");
            }
            if (hours.Start == hours.End)
            {
                errors.Add($"{key}:WorkingHours:Start and End must differ (End before Start means an overnight shift).");
            }
            if (hours.Days.Count == 0)
            {
                errors.Add($"{key}:WorkingHours:Days must list at least one day (e.g. Monday).");
            }
        }
    }

    private static void KnownPolicy(List<string> errors, List<string> known, string key, string name)
    {
        if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(RoutingPolicySet.UnknownPolicy(key, name, known));
        }
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Routing:{key} must be a positive duration (hh:mm:ss).");
        }
    }
}
