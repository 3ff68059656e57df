using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HandoffBot.Protocol.Authentication;
using HandoffBot.Storage;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Tests.Protocol;

public sealed class ChannelAuthenticationFixture : IAsyncLifetime
{
    public const string AppId = "7c4a1a5e-0000-4000-8000-00000000b07";
    public const string Tenant = "3f1d2c0b-1111-4222-8333-444455556666";

    public FakeIdentityServer Identity { get; private set; } = null!;
    public BotFactory Bot { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public RsaSecurityKey ChannelKey { get; private set; } = null!;
    public RsaSecurityKey TeamsOnlyKey { get; private set; } = null!;
    public RsaSecurityKey EmulatorKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Identity = await FakeIdentityServer.StartAsync();
        ChannelKey = Identity.Publish("channel", "msteams", "webchat", "sms", "directline");
        TeamsOnlyKey = Identity.Publish("channel", "msteams");
        EmulatorKey = Identity.Publish("emulator");
        Bot = new BotFactory()
            .With("MicrosoftAppType", "MultiTenant")
            .With("MicrosoftAppId", AppId)
            .With("MicrosoftAppPassword", "not-a-real-secret")
            .With("MicrosoftAppTenantId", Tenant)
            .With("ChannelAuthentication:ChannelOpenIdMetadataUrl", Identity.ChannelMetadataUrl)
            .With("ChannelAuthentication:EmulatorOpenIdMetadataUrl", Identity.EmulatorMetadataUrl);
        Client = Bot.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Bot.DisposeAsync();
        await Identity.DisposeAsync();
    }
}

public sealed class ChannelAuthenticationTests(ChannelAuthenticationFixture fixture) : IClassFixture<ChannelAuthenticationFixture>
{
    private const string ServiceUrl = "https://smba.trafficmanager.net/teams/";
    private const string EmulatorV1Issuer = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/";
    private const string EmulatorV2Issuer = "https://login.microsoftonline.com/f8cdef31-a31e-4b4a-93e4-5f571e91255a/v2.0";

    private DateTimeOffset Now => fixture.Bot.Time.GetUtcNow();

    private static Dictionary<string, object> ServiceUrlClaim(string serviceUrl = ServiceUrl) => new() { ["serviceurl"] = serviceUrl };

    private string ChannelToken(RsaSecurityKey? key = null, string issuer = BotFrameworkAuthenticator.ChannelIssuer, string audience = ChannelAuthenticationFixture.AppId,
        Dictionary<string, object>? claims = null, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null) =>
        FakeIdentityServer.Mint(key ?? fixture.ChannelKey, issuer, audience, Now, claims ?? ServiceUrlClaim(), lifetime, notBefore);

    private async Task<(HttpStatusCode Status, string ConversationId)> PostAsync(string? token, string channelId = "msteams", string serviceUrl = ServiceUrl)
    {
        var conversationId = $"auth-{Guid.NewGuid():N}";
        var json = $$"""
            {"type":"message","id":"m1","channelId":"{{channelId}}","serviceUrl":"{{serviceUrl}}","deliveryMode":"expectReplies",
             "conversation":{"id":"{{conversationId}}"},"from":{"id":"user"},"recipient":{"id":"bot"},"text":"where is my order"}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        using var response = await fixture.Client.SendAsync(request);
        return (response.StatusCode, conversationId);
    }

    private async Task AssertRejectedAndNothingStoredAsync(string? token, string channelId = "msteams", string serviceUrl = ServiceUrl)
    {
        var (status, conversationId) = await PostAsync(token, channelId, serviceUrl);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        var transcript = await fixture.Bot.Services.GetRequiredService<ITranscriptStore>().ReadAsync(conversationId, CancellationToken.None);
        Assert.Empty(transcript);
    }

    private async Task<HandoffBot.Protocol.Activity> AssertAcceptedAsync(string token, string channelId = "msteams", string serviceUrl = ServiceUrl)
    {
        var (status, conversationId) = await PostAsync(token, channelId, serviceUrl);
        Assert.Equal(HttpStatusCode.OK, status);
        var transcript = await fixture.Bot.Services.GetRequiredService<ITranscriptStore>().ReadAsync(conversationId, CancellationToken.None);
        return transcript[0];
    }

    [Fact]
    public async Task AValidChannelTokenIsAcceptedAndSetsTheCallerId()
    {
        var inbound = await AssertAcceptedAsync(ChannelToken());

        Assert.Equal(BotFrameworkAuthenticator.PublicAzureCallerId, inbound.CallerId);
    }

    [Fact]
    public Task ARequestWithoutAuthorizationIsRejectedWhenTheBotHasAnAppId() => AssertRejectedAndNothingStoredAsync(null);

    [Fact]
    public Task ATokenFromAnotherIssuerIsRejected() => AssertRejectedAndNothingStoredAsync(ChannelToken(issuer: "https://evil.example.com"));

    [Fact]
    public Task ATokenForAnotherBotIsRejected() => AssertRejectedAndNothingStoredAsync(ChannelToken(audience: "some-other-app-id"));

    [Fact]
    public Task AnExpiredTokenIsRejected() =>
        AssertRejectedAndNothingStoredAsync(ChannelToken(notBefore: Now.AddHours(-2), lifetime: TimeSpan.FromMinutes(60)));

    [Fact]
    public async Task ATokenExpiredLessThanFiveMinutesAgoIsStillAcceptedForClockSkew() =>
        await AssertAcceptedAsync(ChannelToken(notBefore: Now.AddMinutes(-64), lifetime: TimeSpan.FromMinutes(60)));

    [Fact]
    public Task ATokenNotYetValidIsRejected() => AssertRejectedAndNothingStoredAsync(ChannelToken(notBefore: Now.AddMinutes(10)));

    [Fact]
    public Task ATokenWithABadSignatureIsRejected()
    {
        var impostor = FakeIdentityServer.CreateKey();
        impostor.KeyId = fixture.ChannelKey.KeyId; // claims to be the published key
        return AssertRejectedAndNothingStoredAsync(ChannelToken(impostor));
    }

    [Fact]
    public Task AnUnsignedTokenIsRejected() => AssertRejectedAndNothingStoredAsync(FakeIdentityServer.Unsigned(new Dictionary<string, object>
    {
        ["iss"] = BotFrameworkAuthenticator.ChannelIssuer,
        ["aud"] = ChannelAuthenticationFixture.AppId,
        ["serviceurl"] = ServiceUrl,
        ["nbf"] = Now.ToUnixTimeSeconds(),
        ["exp"] = Now.AddHours(1).ToUnixTimeSeconds(),
    }));

    [Fact]
    public Task AnHs256TokenKeyedWithThePublicKeyIsRejected() => AssertRejectedAndNothingStoredAsync(
        FakeIdentityServer.Hs256WithPublicKey(fixture.ChannelKey, BotFrameworkAuthenticator.ChannelIssuer, ChannelAuthenticationFixture.AppId, Now, ServiceUrlClaim()));

    [Fact]
    public Task AChannelTokenWithoutAServiceUrlClaimIsRejected() => AssertRejectedAndNothingStoredAsync(ChannelToken(claims: []));

    [Fact]
    public Task AChannelTokenForAnotherServiceUrlIsRejected() =>
        AssertRejectedAndNothingStoredAsync(ChannelToken(claims: ServiceUrlClaim("https://attacker.example.com/")));

    [Fact]
    public async Task TheServiceUrlClaimIsComparedIgnoringCase() =>
        await AssertAcceptedAsync(ChannelToken(claims: ServiceUrlClaim(ServiceUrl.ToUpperInvariant())));

    [Fact]
    public Task AKeyNotEndorsedForTheActivitysChannelIsRejected() =>
        AssertRejectedAndNothingStoredAsync(ChannelToken(fixture.TeamsOnlyKey), channelId: "webchat");

    [Fact]
    public async Task AKeyEndorsedForTheActivitysChannelIsAccepted() =>
        await AssertAcceptedAsync(ChannelToken(fixture.TeamsOnlyKey), channelId: "msteams");

    [Fact]
    public async Task ARotatedKeyIsPickedUpByRefreshingWhenAnUnknownKeyIdAppears()
    {
        await AssertAcceptedAsync(ChannelToken()); // keys fetched
        fixture.Bot.Time.Advance(TimeSpan.FromMinutes(2)); // past the unknown-key refresh throttle
        var rotated = fixture.Identity.Publish("channel", "msteams");

        await AssertAcceptedAsync(ChannelToken(rotated));
    }

    [Fact]
    public async Task AKeyIdStillUnknownAfterRefreshIsRejected()
    {
        fixture.Bot.Time.Advance(TimeSpan.FromMinutes(2));
        var before = fixture.Identity.KeyFetches;

        await AssertRejectedAndNothingStoredAsync(ChannelToken(FakeIdentityServer.CreateKey()));

        Assert.True(fixture.Identity.KeyFetches > before, "an unknown key id should trigger one refresh of the keys");
    }

    [Fact]
    public async Task KeysAreFetchedAgainOnScheduleWhenTheRefreshIntervalPasses()
    {
        await AssertAcceptedAsync(ChannelToken());
        var before = fixture.Identity.KeyFetches;
        await AssertAcceptedAsync(ChannelToken());
        Assert.Equal(before, fixture.Identity.KeyFetches); // cached

        fixture.Bot.Time.Advance(TimeSpan.FromHours(25));
        await AssertAcceptedAsync(ChannelToken());

        Assert.True(fixture.Identity.KeyFetches > before);
    }

    [Fact]
    public async Task AnEmulatorV1TokenWithOurAppIdIsAccepted() => await AssertAcceptedAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, EmulatorV1Issuer, ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "1.0", ["appid"] = ChannelAuthenticationFixture.AppId }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public async Task AnEmulatorV2TokenWithOurAppIdInAzpIsAccepted() => await AssertAcceptedAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, EmulatorV2Issuer, ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "2.0", ["azp"] = ChannelAuthenticationFixture.AppId }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public Task AnEmulatorV1TokenForAnotherAppIsRejected() => AssertRejectedAndNothingStoredAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, EmulatorV1Issuer, ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "1.0", ["appid"] = "someone-else" }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public Task AnEmulatorV2TokenWithAnotherAzpIsRejected() => AssertRejectedAndNothingStoredAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, EmulatorV2Issuer, ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "2.0", ["azp"] = "someone-else", ["appid"] = ChannelAuthenticationFixture.AppId }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public async Task AnEmulatorTokenFromTheConfiguredSingleTenantIssuerIsAccepted() => await AssertAcceptedAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, $"https://login.microsoftonline.com/{ChannelAuthenticationFixture.Tenant}/v2.0", ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "2.0", ["azp"] = ChannelAuthenticationFixture.AppId }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public Task AnEmulatorTokenFromAnUnknownTenantIsRejected() => AssertRejectedAndNothingStoredAsync(
        FakeIdentityServer.Mint(fixture.EmulatorKey, "https://login.microsoftonline.com/99999999-9999-4999-8999-999999999999/v2.0", ChannelAuthenticationFixture.AppId, Now,
            new Dictionary<string, object> { ["ver"] = "2.0", ["azp"] = ChannelAuthenticationFixture.AppId }),
        channelId: "emulator", serviceUrl: "http://localhost:50123");

    [Fact]
    public async Task TheUnauthorizedResponseSaysWhatIsWrong()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = new StringContent("""{"type":"message","channelId":"msteams","serviceUrl":"https://x.example/","conversation":{"id":"c"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ChannelToken(audience: "another-bot"));
        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("audience", problem.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
