namespace HandoffBot.Hosting.DirectLine;

/// <summary>Security headers for the customer page and its assets (served from wwwroot).</summary>
public static class WebChatPage
{
    /// <summary>Adds the headers; <paramref name="frameAncestors"/> is <see cref="DirectLineOptions.PageFrameAncestors"/>.</summary>
    public static void AddSecurityHeaders(HttpContext context, string fileName, string frameAncestors)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (!fileName.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        if (context.Request.Path.StartsWithSegments("/agent"))
        {
            AddConsoleHeaders(context);
            return;
        }
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
            $"frame-ancestors {frameAncestors}");
        headers.CacheControl = "no-cache";
    }

    /// <summary>The agent console's pages: no inline script or style at all, never framed.</summary>
    public static void AddConsoleHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = string.Join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'");
        headers.CacheControl = "no-cache";
    }
}
