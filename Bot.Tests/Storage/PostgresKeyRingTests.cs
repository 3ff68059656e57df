using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using HandoffBot.AgentConsole;
using HandoffBot.Tests.Storage.Contracts;
using HandoffBot.Tests.Support;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HandoffBot.Tests.Storage;

/// <summary>
/// Two live bots on one PostgreSQL schema (each with its own <c>Storage:Postgres:InstanceName</c>, nothing shared in
/// memory, real sockets on loopback): the Data Protection key ring lives in the database, so the console session an
/// agent signs in to on one instance, and its anti-forgery token, hold on the other; instances starting together on an
/// empty schema make one key between them; on embedded defaults every instance prints the same sign-in links.
/// </summary>
public sealed class PostgresKeyRingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One instance, as if on a machine of its own: where no key ring is configured (ASP.NET Core's default, the user
    /// profile's folder, which two hosts in one test process would share), it gets a folder of its own. The test
    /// factory's agent key (index 2 of its <c>Access:ApiKeys</c>) is made Alex's, who is on the roster.
    /// </summary>
    private static BotFactory Instance(BotFactory factory, string connectionString, string name, bool embeddedDefaults = false) =>
        (embeddedDefaults ? factory.WithoutAccess() : factory.With("Access:ApiKeys:2:AgentId", "alex")).OnSharedPostgres(connectionString, name)
            .WithServices(services => services.PostConfigure<KeyManagementOptions>(keys =>
                keys.XmlRepository ??= new FileSystemXmlRepository(Directory.CreateTempSubdirectory("handoffbot-keys-"), NullLoggerFactory.Instance)));

    [Fact]
    public async Task AnAgentSignedInOnOneInstanceIsSignedInOnTheOtherAndItsAntiForgeryTokenHoldsThere()
    {
        await OnOneSchemaAsync(async (connectionString, run) =>
        {
            await using var a = LiveBot.Start(f => Instance(f, connectionString, $"bot-a-{run}"));
            await using var b = LiveBot.Start(f => Instance(f, connectionString, $"bot-b-{run}"));
            using var agent = new Browserless();

            var csrf = await agent.SignInAsync(a);

            await agent.AssertSignedInAsync(b);
            using var presence = await agent.SendAsync(b, HttpMethod.Put, "/agent/api/presence", csrf, new { presence = "Away" });
            Assert.Equal(HttpStatusCode.OK, presence.StatusCode);
            using var signOut = await agent.SendAsync(b, HttpMethod.Delete, "/agent/api/session", csrf);
            Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync(new Uri(a.BaseAddress, "/agent/api/state"))).StatusCode);

            Assert.Equal(1, await KeyRowsAsync(connectionString));
        });
    }

    [Fact]
    public async Task TwoInstancesStartingAtOnceOnAnEmptySchemaMakeOneKeyThatBothUse()
    {
        await OnOneSchemaAsync(async (connectionString, run) =>
        {
            // Both instances read the empty ring before either may store a key: the race of a simultaneous start, every time.
            using var bothRead = new CountdownEvent(2);
            Task<LiveBot> Start(string name) => Task.Run(() => LiveBot.Start(f => Instance(f, connectionString, name)
                .WithServices(services => services.PostConfigure<KeyManagementOptions>(keys => keys.XmlRepository = new ReadTogether(keys.XmlRepository!, bothRead)))));
            var started = await Task.WhenAll(Start($"bot-a-{run}"), Start($"bot-b-{run}")).WaitAsync(Wait);
            await using var a = started[0];
            await using var b = started[1];
            using var agentOnA = new Browserless();
            using var agentOnB = new Browserless();
            await Task.WhenAll(agentOnA.SignInAsync(a), agentOnB.SignInAsync(b)).WaitAsync(Wait);

            Assert.True(bothRead.IsSet);
            Assert.Equal(1, await KeyRowsAsync(connectionString));
            var keyOfA = Assert.Single(a.Services.GetRequiredService<IKeyManager>().GetAllKeys()).KeyId;
            Assert.Equal(keyOfA, Assert.Single(b.Services.GetRequiredService<IKeyManager>().GetAllKeys()).KeyId);
            await agentOnA.AssertSignedInAsync(b);
            await agentOnB.AssertSignedInAsync(a);
        });
    }

    [Fact]
    public async Task OnEmbeddedDefaultsEveryInstancePrintsTheSameLinksAndALinkPrintedByOneSignsInOnTheOther()
    {
        await OnOneSchemaAsync(async (connectionString, run) =>
        {
            await using var a = LiveBot.Start(f => Instance(f, connectionString, $"bot-a-{run}", embeddedDefaults: true));
            await using var b = LiveBot.Start(f => Instance(f, connectionString, $"bot-b-{run}", embeddedDefaults: true));
            var linksOfA = a.Services.GetRequiredService<ConsoleAccess>().SignInLinks;
            var linksOfB = b.Services.GetRequiredService<ConsoleAccess>().SignInLinks;

            Assert.Equal(["Alex", "Sam", "Priya", "Supervisor"], linksOfA.Select(l => l.Agent));
            Assert.Equal(linksOfA.Select(l => (l.Agent, l.Link.Fragment)), linksOfB.Select(l => (l.Agent, l.Link.Fragment)));
            Assert.Equal(4, linksOfA.Select(l => l.Link.Fragment).Distinct().Count());
            using var agent = new Browserless();
            var alexKey = linksOfA.Single(l => l.Agent == "Alex").Link.Fragment["#key=".Length..];
            await agent.SignInAsync(b, alexKey);
            await agent.AssertSignedInAsync(a);
            using var wrong = await agent.Http.PostAsJsonAsync(new Uri(b.BaseAddress, "/agent/api/session"), new { accessKey = "not-" + alexKey });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        });
    }

    /// <summary>Runs <paramref name="test"/> on a new schema (its connection string, a run id for instance names), then drops it.</summary>
    private static async Task OnOneSchemaAsync(Func<string, string, Task> test)
    {
        var (schema, connectionString) = PostgresTestDatabase.CreateSchema();
        try
        {
            await test(connectionString, Guid.NewGuid().ToString("N")[..8]);
        }
        finally
        {
            PostgresTestDatabase.DropSchema(schema);
        }
    }

    private static async Task<long> KeyRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM data_protection_key WHERE element = 'key'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>Holds each instance's first read of the key ring until the other instance has read it too.</summary>
    private sealed class ReadTogether(IXmlRepository inner, CountdownEvent bothRead) : IXmlRepository
    {
        private int _reads;

        public IReadOnlyCollection<XElement> GetAllElements()
        {
            var elements = inner.GetAllElements();
            if (Interlocked.Increment(ref _reads) == 1)
            {
                bothRead.Signal();
                Assert.True(bothRead.Wait(Wait), "The other instance never read the key ring.");
            }
            return elements;
        }

        public void StoreElement(XElement element, string friendlyName) => inner.StoreElement(element, friendlyName);
    }

    /// <summary>An agent's HTTP client with a cookie jar: both bots are on 127.0.0.1, so the console cookie goes to either.</summary>
    private sealed class Browserless : IDisposable
    {
        public HttpClient Http { get; } = new(new HttpClientHandler { CookieContainer = new CookieContainer() });

        /// <summary>Signs Alex in on <paramref name="bot"/> with an access key and returns the anti-forgery token it gave.</summary>
        public async Task<string> SignInAsync(LiveBot bot, string accessKey = BotFactory.AgentApiKey)
        {
            using var signIn = await Http.PostAsJsonAsync(new Uri(bot.BaseAddress, "/agent/api/session"), new { accessKey });
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
            return (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf").GetString()!;
        }

        public async Task AssertSignedInAsync(LiveBot bot)
        {
            using var state = await Http.GetAsync(new Uri(bot.BaseAddress, "/agent/api/state"));
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            using var me = await Http.GetAsync(new Uri(bot.BaseAddress, "/agent/api/me"));
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Equal("alex", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("agentId").GetString());
        }

        public Task<HttpResponseMessage> SendAsync(LiveBot bot, HttpMethod method, string path, string csrf, object? body = null)
        {
            var request = new HttpRequestMessage(method, new Uri(bot.BaseAddress, path)) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add(AgentConsoleServiceCollectionExtensions.AntiforgeryHeader, csrf);
            return Http.SendAsync(request);
        }

        public void Dispose() => Http.Dispose();
    }
}
