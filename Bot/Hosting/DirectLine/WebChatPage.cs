using Microsoft.Extensions.Options;

namespace HandoffBot.Hosting.DirectLine;

/// <summary>Security headers for the customer page and its assets (served from wwwroot).</summary>
internal static class WebChatPage
{
    public static void AddSecurityHeaders(HttpContext context, string fileName)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!fileName.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var ancestors = context.RequestServices.GetRequiredService<IOptions<DirectLineOptions>>().Value.PageFrameAncestors;
        // Web Chat injects its styles at run time (style-src 'unsafe-inline'); scripts only from this origin.
        headers.ContentSecurityPolicy = string.Join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            $"frame-ancestors {ancestors}");
        headers.CacheControl = "no-cache";
    }
}
