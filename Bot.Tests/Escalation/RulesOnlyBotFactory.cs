using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Escalation;

/// <summary>The bot with the trained heads switched off (<c>Escalation:Model:Enabled=false</c>): the rule triggers alone.</summary>
public sealed class RulesOnlyBotFactory : BotFactory
{
    public RulesOnlyBotFactory() => With("Escalation:Model:Enabled", "false");
}
