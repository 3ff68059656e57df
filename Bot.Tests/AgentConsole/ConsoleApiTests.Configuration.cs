using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HandoffBot.AgentConsole;
using HandoffBot.Handoff;
using HandoffBot.Hosting.Access;
using HandoffBot.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;

namespace HandoffBot.Tests.AgentConsole;

/// <summary>Configuration changes at run time: a supervisor's capacity change and a configuration reload, both under the audit log's "configuration changes".</summary>
public sealed partial class ConsoleApiTests
{
    [Fact]
    public async Task ASupervisorsCapacityChangeAppliesAtOnceAndShowsUnderConfigurationChanges()
    {
        await SetPresenceAsync("sam", AgentPresence.Away);
        await SetPresenceAsync("priya", AgentPresence.Away);
        using (var one = await Put("Supervisor", "/agent/api/supervisor/agents/alex/capacity", new { capacity = 1 }))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            Assert.Equal(1, (await one.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("capacity").GetInt32());
        }
        await CustomerWithAlexAsync();
        var second = await CustomerAsync("customer-2");
        Assert.Equal(HandoffStatus.Queued, (await Store.GetAsync(second.Handoff, CancellationToken.None))!.Status); // Alex is full

        using (var two = await Put("Supervisor", "/agent/api/supervisor/agents/alex/capacity", new { capacity = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        }

        // The waiting customer is offered to Alex at once; the supervisor view shows the new capacity.
        var offered = (await Store.GetAsync(second.Handoff, CancellationToken.None))!;
        Assert.Equal((HandoffStatus.Offered, "alex"), (offered.Status, offered.OfferedTo));
        using var live = await Get("Supervisor", "/agent/api/supervisor/live");
        var alex = Assert.Single((await live.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("agents").EnumerateArray(), a => a.GetProperty("id").GetString() == "alex");
        Assert.Equal(2, alex.GetProperty("capacity").GetInt32());

        // Refused: out of range, missing, an unknown agent (audited as refused), an agent's own key.
        Assert.Equal(HttpStatusCode.BadRequest, (await Put("Supervisor", "/agent/api/supervisor/agents/alex/capacity", new { capacity = -1 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Put("Supervisor", "/agent/api/supervisor/agents/alex/capacity", new { capacity = 1001 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Put("Supervisor", "/agent/api/supervisor/agents/alex/capacity", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Put("Supervisor", $"/agent/api/supervisor/agents/{new string('a', 65)}/capacity", new { capacity = 2 })).StatusCode);
        using (var unknown = await Put("Supervisor", "/agent/api/supervisor/agents/nobody/capacity", new { capacity = 2 }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await Put("Alex", "/agent/api/supervisor/agents/alex/capacity", new { capacity = 9 })).StatusCode);

        using var configuration = await Get("Supervisor", "/agent/api/supervisor/audit?kind=configuration");
        var lines = (await configuration.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(
            ["agent:nobody capacity unknown agent → 2 refused", "agent:alex capacity 1 → 2 allowed", "agent:alex capacity 3 → 1 allowed"],
            lines.Select(l => l.GetProperty("subject").GetString() + (l.GetProperty("allowed").GetBoolean() ? " allowed" : " refused")));
        Assert.All(lines, l => Assert.Equal(("configuration", RosterChanges.CapacityAction, "Supervisor"),
            (l.GetProperty("kind").GetString(), l.GetProperty("action").GetString(), l.GetProperty("actor").GetString())));
    }

    [Fact]
    public async Task AConfigurationReloadThatChangesSettingsIsAuditedUnderConfigurationChangesWithoutTheirValues()
    {
        var root = (IConfigurationRoot)_bot.Services.GetRequiredService<IConfiguration>();
        var memory = root.Providers.OfType<MemoryConfigurationProvider>().Last();
        var audit = _bot.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<ConfigurationChangeAudit>().Single();

        root.Reload(); // nothing changed: nothing recorded
        memory.Set("AgentConsole:SessionLifetime", "04:00:00");
        memory.Set("Routing:Agents:0:CapacityPerChannel:*", "7");
        memory.Set("MicrosoftAppPassword", "a-secret-value");
        root.Reload();
        await audit.Recorded;

        using var response = await Get("Supervisor", "/agent/api/supervisor/audit?kind=configuration");
        var lines = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        Assert.Equal(
            ["configuration:AgentConsole (AgentConsole:SessionLifetime)", "configuration:MicrosoftAppPassword (MicrosoftAppPassword)", "configuration:Routing (Routing:Agents:0:CapacityPerChannel:*)"],
            lines.Select(l => l.GetProperty("subject").GetString()).Order(StringComparer.Ordinal));
        Assert.All(lines, l => Assert.Equal(("configuration", ConfigurationChangeAudit.ReloadAction, "configuration reload"),
            (l.GetProperty("kind").GetString(), l.GetProperty("action").GetString(), l.GetProperty("actor").GetString())));
        Assert.DoesNotContain("a-secret-value", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        root.Reload(); // the same values again: nothing new
        await audit.Recorded;
        var entries = await _bot.Services.GetRequiredService<IAccessAudit>().ReadAsync(100, CancellationToken.None);
        Assert.Equal(3, entries.Count(e => e.Action == ConfigurationChangeAudit.ReloadAction));
    }
}
