using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace HandoffBot.Protocol;

/// <summary>The Bot Framework Connector REST API (bot to channel), addressed by each activity's serviceUrl.</summary>
public interface IConnectorClient
{
    /// <summary>POST /v3/conversations/{conversationId}/activities/{replyToId}.</summary>
    Task<ResourceResponse> ReplyToActivityAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>POST /v3/conversations/{conversationId}/activities.</summary>
    Task<ResourceResponse> SendToConversationAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>PUT /v3/conversations/{conversationId}/activities/{id}.</summary>
    Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken);

    /// <summary>DELETE /v3/conversations/{conversationId}/activities/{activityId}.</summary>
    Task DeleteActivityAsync(string serviceUrl, string conversationId, string activityId, CancellationToken cancellationToken);

    /// <summary>POST /v3/conversations.</summary>
    Task<ConversationResourceResponse> CreateConversationAsync(string serviceUrl, ConversationParameters parameters, CancellationToken cancellationToken);
}

/// <summary>
/// A Connector call that failed: the HTTP status and the channel's <c>{error:{code,message}}</c>. A call that got no
/// answer in time is reported as 504 with code <c>Timeout</c>; one that could not reach the channel as 502 with code
/// <c>Unreachable</c>. Thrown after the retries the client makes itself are used up.
/// </summary>
public sealed class ConnectorException(HttpStatusCode status, string? code, string message, TimeSpan? retryAfter = null, Exception? innerException = null)
    : Exception($"Connector answered {(int)status}: {code ?? "no code"}: {message}", innerException)
{
    public const string TimeoutCode = "Timeout";
    public const string UnreachableCode = "Unreachable";

    public HttpStatusCode StatusCode { get; } = status;

    public string? ErrorCode { get; } = code;

    /// <summary>How long the channel asked the bot to wait (429/503 Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>403: the user blocked the bot or the bot is not in the conversation. Never retried.</summary>
    public bool IsForbidden => StatusCode == HttpStatusCode.Forbidden;

    /// <summary>412: a concurrent edit of the same activity.</summary>
    public bool IsPreconditionFailed => StatusCode == HttpStatusCode.PreconditionFailed;

    /// <summary>True when trying again later may succeed (429, 5xx, timeouts, connection failures).</summary>
    public bool IsTransient => StatusCode == HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

/// <summary>Supplies the bearer token for outbound Connector calls; null in local (no app id) mode.</summary>
public interface IOutboundTokenProvider
{
    ValueTask<string?> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);
}

/// <summary>
/// Typed HttpClient for the Connector. Retries (429 honouring Retry-After, 500/502/503/504, timeouts) come from the
/// resilience handler configured on the named client (<see cref="ConnectorResilience"/>); 400/401/403/404/412 are
/// never retried there. A 401 forces one token refresh and one more call. Failures surface as <see cref="ConnectorException"/>.
/// A singleton: each call takes a client from the factory, so pooled handlers are still recycled (DNS changes seen).
/// </summary>
public sealed class ConnectorClient(IHttpClientFactory httpClients, IOutboundTokenProvider tokens, TimeProvider time) : IConnectorClient
{
    public const string HttpClientName = "BotConnector";

    public Task<ResourceResponse> ReplyToActivityAsync(Activity activity, CancellationToken cancellationToken)
    {
        var conversationId = RequireConversationId(activity);
        if (string.IsNullOrEmpty(activity.ReplyToId))
        {
            return SendToConversationAsync(activity, cancellationToken);
        }
        var path = $"v3/conversations/{Escape(conversationId)}/activities/{Escape(activity.ReplyToId)}";
        return SendActivityAsync(HttpMethod.Post, activity, path, cancellationToken);
    }

    public Task<ResourceResponse> SendToConversationAsync(Activity activity, CancellationToken cancellationToken)
    {
        var path = $"v3/conversations/{Escape(RequireConversationId(activity))}/activities";
        return SendActivityAsync(HttpMethod.Post, activity, path, cancellationToken);
    }

    public Task<ResourceResponse> UpdateActivityAsync(Activity activity, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(activity.Id, "activity.Id");
        var path = $"v3/conversations/{Escape(RequireConversationId(activity))}/activities/{Escape(activity.Id)}";
        return SendActivityAsync(HttpMethod.Put, activity, path, cancellationToken);
    }

    public async Task DeleteActivityAsync(string serviceUrl, string conversationId, string activityId, CancellationToken cancellationToken)
    {
        var path = $"v3/conversations/{Escape(conversationId)}/activities/{Escape(activityId)}";
        await SendAsync<Activity, ResourceResponse>(HttpMethod.Delete, serviceUrl, path, null, null, null, cancellationToken);
    }

    public async Task<ConversationResourceResponse> CreateConversationAsync(string serviceUrl, ConversationParameters parameters, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, serviceUrl, "v3/conversations", parameters, ProtocolJsonContext.Default.ConversationParameters, ProtocolJsonContext.Default.ConversationResourceResponse, cancellationToken)
        ?? new ConversationResourceResponse();

    /// <summary>
    /// Sends an activity. A success without a JSON body (200/201 empty, 202, 204, or a non-JSON body, which some
    /// channels answer) is still a success: the result then has no id rather than being null.
    /// </summary>
    private async Task<ResourceResponse> SendActivityAsync(HttpMethod method, Activity activity, string path, CancellationToken cancellationToken) =>
        await SendAsync(method, activity.ServiceUrl, path, activity, ProtocolJsonContext.Default.Activity, ProtocolJsonContext.Default.ResourceResponse, cancellationToken)
        ?? new ResourceResponse(null);

    /// <summary>Joins serviceUrl (keeping any base path) and a relative path.</summary>
    public static Uri BuildUri(string? serviceUrl, string relativePath)
    {
        if (string.IsNullOrWhiteSpace(serviceUrl) || !Uri.TryCreate(serviceUrl, UriKind.Absolute, out var baseUri)
            || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"serviceUrl '{serviceUrl}' is not an absolute http(s) URL.", nameof(serviceUrl));
        }
        var text = baseUri.GetLeftPart(UriPartial.Path);
        return new Uri(text.EndsWith('/') ? text + relativePath : text + "/" + relativePath);
    }

    /// <summary>Escapes one path segment (Teams ids carry ':', '@' and ';messageid=').</summary>
    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string RequireConversationId(Activity activity) =>
        activity.Conversation?.Id is { Length: > 0 } id ? id : throw new ArgumentException("The activity has no conversation.id.", nameof(activity));

    private async Task<TResponse?> SendAsync<TBody, TResponse>(
        HttpMethod method, string? serviceUrl, string path, TBody? body,
        JsonTypeInfo<TBody>? bodyType, JsonTypeInfo<TResponse>? responseType, CancellationToken cancellationToken)
        where TResponse : class
    {
        using var span = HandoffBot.Telemetry.ConnectorTelemetry.StartConnectorCall(method, path.EndsWith("/activities", StringComparison.Ordinal) || path.Contains("/activities/", StringComparison.Ordinal) ? "activities" : "conversations");
        try
        {
            return await SendCoreAsync(method, serviceUrl, path, body, bodyType, responseType, cancellationToken);
        }
        catch (ConnectorException exception)
        {
            HandoffBot.Telemetry.ConnectorTelemetry.ConnectorFailed(span, exception.StatusCode, exception);
            throw;
        }
    }

    private async Task<TResponse?> SendCoreAsync<TBody, TResponse>(
        HttpMethod method, string? serviceUrl, string path, TBody? body,
        JsonTypeInfo<TBody>? bodyType, JsonTypeInfo<TResponse>? responseType, CancellationToken cancellationToken)
        where TResponse : class
    {
        var uri = BuildUri(serviceUrl, path);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, uri);
            if (body is not null && bodyType is not null)
            {
                request.Content = JsonContent.Create(body, bodyType);
            }
            if (await tokens.GetTokenAsync(forceRefresh: attempt > 0, cancellationToken) is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            using var response = await SendOnceAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0 && request.Headers.Authorization is not null)
            {
                continue; // the token may have been revoked early: refresh once
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ToExceptionAsync(response, cancellationToken);
            }
            if (responseType is null || response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
            {
                return null;
            }
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (content.Length == 0)
            {
                return null;
            }
            try
            {
                return JsonSerializer.Deserialize(content, responseType);
            }
            catch (JsonException)
            {
                return null; // some channels answer 200 with a non-JSON body; the send itself succeeded
            }
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Polly.Timeout.TimeoutRejectedException exception)
        {
            throw new ConnectorException(HttpStatusCode.GatewayTimeout, ConnectorException.TimeoutCode,
                $"{request.Method} {request.RequestUri} got no answer in time.", null, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConnectorException(HttpStatusCode.GatewayTimeout, ConnectorException.TimeoutCode,
                $"{request.Method} {request.RequestUri} got no answer in time.", null, exception);
        }
        catch (HttpRequestException exception)
        {
            throw new ConnectorException(HttpStatusCode.BadGateway, ConnectorException.UnreachableCode,
                $"{request.Method} {request.RequestUri} could not reach the channel: {exception.Message}", null, exception);
        }
    }

    private async Task<ConnectorException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? code = null;
        var message = response.ReasonPhrase ?? "request failed";
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0 && JsonSerializer.Deserialize(text, ProtocolJsonContext.Default.ErrorResponse) is { Error: { } error })
            {
                code = error.Code;
                message = error.Message ?? message;
            }
        }
        catch (JsonException)
        {
            // keep the reason phrase
        }
        return new ConnectorException(response.StatusCode, code, message, ConnectorResilience.RetryAfter(response, time));
    }
}
