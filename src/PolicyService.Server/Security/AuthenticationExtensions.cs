using System.Net;
using SessionPolicy.Server.Configuration;
using SessionPolicy.Server.Internal;

namespace SessionPolicy.Server.Security;

/// <summary>Caller authentication from <see cref="AuthOptions"/>, and the rule for serving without it.</summary>
internal static class AuthenticationExtensions
{
    public static IServiceCollection AddCallerAuthentication(this IServiceCollection services, AuthOptions auth)
    {
        services.AddSingleton<CallerAuthorization>();
        if (auth.IsConfigured) services.AddSingleton<TokenAuthenticator>();
        return services;
    }

    /// <summary>
    /// Without authentication the service serves loopback only (and says so loudly), unless
    /// <see cref="AuthOptions.AllowUnauthenticated"/> allows more.
    /// </summary>
    public static void CheckUnauthenticatedBinding(WebApplication app, AuthOptions auth)
    {
        if (auth.IsConfigured) return;
        var urls = (app.Configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Concat(app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? ""))
            .Where(u => u.Length > 0).ToList();
        var exposed = urls.Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !auth.AllowUnauthenticated)
        {
            throw new InvalidOperationException(
                $"refusing to serve {string.Join(", ", exposed)} without authentication: set {AuthOptions.Section}:SigningKeyFiles (with :Issuer and :Audience), " +
                $"or {AuthOptions.Section}:AllowUnauthenticated=true to accept unauthenticated callers there");
        }
        Log.Unauthenticated(app.Logger, string.Join(", ", urls.DefaultIfEmpty("(test server)")));
    }

    private static bool IsLoopback(string url)
    {
        var host = Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : url;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
