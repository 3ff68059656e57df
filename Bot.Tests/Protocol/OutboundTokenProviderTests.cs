using System.Net;
using HandoffBot.Protocol;
using HandoffBot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HandoffBot.Tests.Protocol;

public sealed class OutboundTokenProviderTests : IAsyncLifetime
{
    private readonly TimerWatchingTimeProvider _time = ConnectorTestHost.NewTime();
    private FakeConnector _tokenEndpoint = null!;
    private int _issued;

    public async Task InitializeAsync()
    {
        _tokenEndpoint = await FakeConnector.StartAsync();
        _tokenEndpoint.Otherwise = _ => Token($"token-{Interlocked.Increment(ref _issued)}", expiresIn: 3600);
    }

    public async Task DisposeAsync() => await _tokenEndpoint.DisposeAsync();

    private static ScriptedResponse Token(string value, int expiresIn) =>
        ScriptedResponse.Ok($$"""{"token_type":"Bearer","expires_in":{{expiresIn}},"ext_expires_in":{{expiresIn}},"access_token":"{{value}}"}""");

    private ServiceProvider Services(string? appId = "app-id", Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MicrosoftAppId"] = appId,
            ["MicrosoftAppPassword"] = "s3cret&=+",
            ["MicrosoftAppTenantId"] = "",
            ["Connector:Token:TokenEndpoint"] = _tokenEndpoint.Url + "tenant-x/oauth2/v2.0/token",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return ConnectorTestHost.Build(_time, settings);
    }

    private IOutboundTokenProvider Provider(string? appId = "app-id") => Services(appId).GetRequiredService<IOutboundTokenProvider>();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task NoAppIdMeansNoTokenAndNoTokenRequest(string? appId)
    {
        Assert.Null(await Provider(appId).GetTokenAsync(forceRefresh: false, CancellationToken.None));
        Assert.Null(await Provider(appId).GetTokenAsync(forceRefresh: true, CancellationToken.None));

        Assert.Empty(_tokenEndpoint.Requests);
    }

    [Fact]
    public async Task TheTokenRequestIsAClientCredentialsGrantForTheBotFrameworkScope()
    {
        Assert.Equal("token-1", await Provider().GetTokenAsync(false, CancellationToken.None));

        var request = Assert.Single(_tokenEndpoint.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/tenant-x/oauth2/v2.0/token", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "app-id",
            ["client_secret"] = "s3cret&=+",
            ["scope"] = "https://api.botframework.com/.default",
        }, request.Form);
    }

    [Fact]
    public async Task TheTokenIsCachedAndRefreshedFiveMinutesBeforeItExpires()
    {
        var provider = Provider();

        Assert.Equal("token-1", await provider.GetTokenAsync(false, CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("token-1", await provider.GetTokenAsync(false, CancellationToken.None));
        Assert.Single(_tokenEndpoint.Requests);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("token-2", await provider.GetTokenAsync(false, CancellationToken.None));
        Assert.Equal("token-2", await provider.GetTokenAsync(false, CancellationToken.None));
        Assert.Equal(2, _tokenEndpoint.Requests.Count);
    }

    [Fact]
    public async Task ConcurrentCallersShareOneTokenRequest()
    {
        var release = new TaskCompletionSource();
        _tokenEndpoint.Script(Token("shared", 3600) with { Until = release.Task });
        var provider = Provider();

        var calls = Enumerable.Range(0, 20).Select(_ => provider.GetTokenAsync(false, CancellationToken.None).AsTask()).ToList();
        await _tokenEndpoint.WaitForRequestsAsync(1);
        release.SetResult();
        var tokens = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(tokens, token => Assert.Equal("shared", token));
        Assert.Single(_tokenEndpoint.Requests);
    }

    [Fact]
    public async Task AForcedRefreshFetchesANewTokenOnceForConcurrentCallers()
    {
        var provider = Provider();
        Assert.Equal("token-1", await provider.GetTokenAsync(false, CancellationToken.None));
        var release = new TaskCompletionSource();
        _tokenEndpoint.Script(Token("token-after-401", 3600) with { Until = release.Task });

        var forced = Enumerable.Range(0, 5).Select(_ => provider.GetTokenAsync(true, CancellationToken.None).AsTask()).ToList();
        await _tokenEndpoint.WaitForRequestsAsync(2);
        release.SetResult();
        var tokens = await Task.WhenAll(forced).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(tokens, token => Assert.Equal("token-after-401", token));
        Assert.Equal(2, _tokenEndpoint.Requests.Count);
    }

    [Fact]
    public async Task ARefusedTokenRequestIsATypedErrorWithoutTheSecret()
    {
        _tokenEndpoint.Script(ScriptedResponse.Ok("""{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}""") with { Status = 401 });

        var failure = await Assert.ThrowsAsync<OutboundTokenException>(() => Provider().GetTokenAsync(false, CancellationToken.None).AsTask());

        Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
        Assert.Equal("invalid_client", failure.Error);
        Assert.DoesNotContain("s3cret", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedEarlyRefreshKeepsUsingTheStillValidToken()
    {
        var provider = Provider();
        Assert.Equal("token-1", await provider.GetTokenAsync(false, CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(57));
        _tokenEndpoint.Script(ScriptedResponse.Error(503));

        Assert.Equal("token-1", await provider.GetTokenAsync(false, CancellationToken.None));
        Assert.Equal("token-2", await provider.GetTokenAsync(false, CancellationToken.None));
    }

    [Fact]
    public async Task AConnector401RefreshesTheTokenFromTheEndpoint()
    {
        await using var connector = await FakeConnector.StartAsync();
        connector.Script(ScriptedResponse.Error(401, "Unauthorized", "token revoked"));
        var client = Services().GetRequiredService<IConnectorClient>();

        await client.SendToConversationAsync(new Activity
        {
            Type = ActivityTypes.Message,
            ServiceUrl = connector.Url,
            Conversation = new ConversationAccount { Id = "c1" },
            Text = "hi",
        }, CancellationToken.None);

        Assert.Equal(["Bearer token-1", "Bearer token-2"], connector.Requests.Select(r => r.Header("Authorization")));
        Assert.Equal(2, _tokenEndpoint.Requests.Count);
    }

    [Theory]
    [InlineData(null, "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token")]
    [InlineData("", "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token")]
    [InlineData("8f2e2b4c-1111-2222-3333-444455556666", "https://login.microsoftonline.com/8f2e2b4c-1111-2222-3333-444455556666/oauth2/v2.0/token")]
    public void TheDefaultEndpointIsTheTenantsOrBotFrameworkCom(string? tenant, string expected) =>
        Assert.Equal(expected, new OutboundTokenOptions().ResolveEndpoint(tenant).ToString());

    [Theory]
    [InlineData("Connector:Token:TokenEndpoint", "not-a-url", "TokenEndpoint")]
    [InlineData("Connector:Token:RefreshBeforeExpiry", "-00:01:00", "RefreshBeforeExpiry")]
    [InlineData("Connector:AttemptTimeout", "00:20:00", "AttemptTimeout")]
    [InlineData("MicrosoftAppType", "UserAssignedMSI", "UserAssignedMSI")]
    public void BadSettingsAreRefusedWithAMessageNamingThem(string key, string value, string named)
    {
        var services = Services(extra: new() { [key] = value });

        var failure = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<OutboundTokenOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ConnectorOptions>>().Value;
        });

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
