using System.Text.Json;
using HandoffBot.AgentHub;
using HandoffBot.Tests.Support;

namespace HandoffBot.Tests.Deployment;

/// <summary>The Teams app manifests (eng/teams) against the bot: what Teams offers an agent is what the hub understands.</summary>
public sealed class TeamsManifestTests
{
    private static JsonElement Manifest(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(LiveBot.RepositoryRoot(), "eng", "teams", $"{name}.manifest.json")));
        return document.RootElement.Clone();
    }

    [Fact]
    public void EveryCommandTheHubPackageSuggestsIsOneTheAgentHubUnderstands()
    {
        var bot = Manifest("hub").GetProperty("bots")[0];
        var commands = bot.GetProperty("commandLists").EnumerateArray()
            .SelectMany(list => list.GetProperty("commands").EnumerateArray())
            .Select(c => c.GetProperty("title").GetString()!)
            .ToList();
        Assert.All(commands, title => Assert.Equal(title, AgentCommand.Parse(title)?.Verb));
        Assert.Superset(new HashSet<string> { AgentCommand.Accept, AgentCommand.Decline, AgentCommand.Queue, AgentCommand.Available, AgentCommand.Away }, commands.ToHashSet());
        Assert.Equal(["team", "personal", "groupChat"], bot.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [InlineData("hub")]
    [InlineData("customer")]
    public void ThePackagesTakeTheBotIdAndDomainFromTheBuildNeverFromTheTemplate(string name)
    {
        var manifest = Manifest(name);
        Assert.Equal("{{BOT_ID}}", manifest.GetProperty("bots")[0].GetProperty("botId").GetString());
        Assert.Equal(["{{DOMAIN}}"], manifest.GetProperty("validDomains").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("{{APP_ID}}", manifest.GetProperty("id").GetString());
        Assert.Equal("1.25", manifest.GetProperty("manifestVersion").GetString());
    }
}
