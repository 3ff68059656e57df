using System.Security.Claims;
using System.Text;
using HandoffBot.Protocol.Authentication;
using HandoffBot.Storage.Sqlite;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace HandoffBot.Hosting.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>The scheme endpoints use: JWT bearer when the request carries one, otherwise API keys.</summary>
    public const string Scheme = "HandoffAccess";

    /// <summary>
    /// Authentication (API keys, and JWT bearer when <c>Access:Jwt</c> is configured) and the agent / supervisor /
    /// admin policies for the agent and admin endpoints. /api/messages is not affected (it has channel authentication).
    /// </summary>
    public static IServiceCollection AddHandoffAccess(this IServiceCollection services)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ISqliteSchema, SqliteAccessAudit.Schema>();
        services.TryAddSingleton<AccessKeys>();
        services.TryAddSingleton<IAccessAudit, SqliteAccessAudit>();
        services.TryAddSingleton<IConversationAssignments, NoConversationAssignments>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or JWT bearer", options => options.ForwardDefaultSelector = context =>
                context.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value.Jwt is not null
                && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AccessOptions>, TimeProvider>((options, access, time) =>
        {
            if (access.Value.Jwt is not { } jwt)
            {
                return;
            }
            options.MapInboundClaims = false;
            options.Authority = jwt.Authority;
            options.Audience = jwt.Audience;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidateIssuer = jwt.Issuer is not null,
                ValidAudience = jwt.Audience,
                IssuerSigningKey = jwt.SigningKey is { Length: > 0 } key ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)) : null,
                RoleClaimType = jwt.RoleClaim,
                NameClaimType = "name",
                LifetimeValidator = TokenLifetime.Validator(time),
                ClockSkew = TimeSpan.FromMinutes(2),
            };
            options.Events = new JwtBearerEvents
            {
                // Agents' ids come as a claim of the identity provider's choosing; expose them under one name.
                OnTokenValidated = context =>
                {
                    if (context.Principal?.FindFirst(jwt.AgentIdClaim) is { } agent && context.Principal.Identity is ClaimsIdentity identity
                        && jwt.AgentIdClaim != ApiKeyAuthenticationHandler.AgentIdClaim)
                    {
                        identity.AddClaim(new Claim(ApiKeyAuthenticationHandler.AgentIdClaim, agent.Value));
                    }
                    return Task.CompletedTask;
                },
            };
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.Agent, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(AccessRoles.Agent, AccessRoles.Supervisor, AccessRoles.Admin))
            .AddPolicy(AccessPolicies.Supervisor, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(AccessRoles.Supervisor, AccessRoles.Admin))
            .AddPolicy(AccessPolicies.Admin, policy => policy.AddAuthenticationSchemes(Scheme).RequireRole(AccessRoles.Admin));
        return services;
    }

    /// <summary>The agent id of an authenticated agent, from their key or token.</summary>
    public static string? AgentId(this ClaimsPrincipal user) => user.FindFirst(ApiKeyAuthenticationHandler.AgentIdClaim)?.Value;

    public static bool IsSupervisor(this ClaimsPrincipal user) => user.IsInRole(AccessRoles.Supervisor) || user.IsInRole(AccessRoles.Admin);
}
