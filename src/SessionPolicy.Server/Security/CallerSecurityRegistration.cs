using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Callers: authentication (<see cref="AuthOptions"/>), per-RPC permissions, per-caller limits
/// (<see cref="LimitOptions"/>), and the rule for serving without authentication.
/// </summary>
internal static class CallerSecurityRegistration
{
    public static WebApplicationBuilder AddCallerSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSessionPolicyRateLimits(builder.Configuration.GetSection(LimitOptions.Section).Get<LimitOptions>() ?? new LimitOptions());
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        services.AddSingleton<AuthorizationInterceptor>();
        services.AddSingleton<CallerAuthorization>().AddStartupTask<CallerAuthorization>();
        if (auth.TokensConfigured) services.AddSingleton<TokenAuthenticator>();
        if (auth.JwksUrl.Length > 0) services.AddSingleton<JwksKeys>();
        if (auth.CertificatesConfigured)
        {
            services.AddSingleton<CertificateAuthenticator>();
            // HTTPS endpoints ask every caller for a certificate but let the handshake finish without one (or with
            // one from another CA): the call is then refused with UNAUTHENTICATED saying why, instead of a failed
            // connection the client can only read as UNAVAILABLE. CertificateAuthenticator checks the issuer.
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https =>
            {
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            }));
        }
        return builder;
    }

    /// <summary>
    /// Without authentication the service serves loopback only (and says so loudly), unless
    /// <see cref="AuthOptions.AllowUnauthenticated"/> allows more.
    /// </summary>
    public static void CheckUnauthenticatedBinding(WebApplication app, AuthOptions auth)
    {
        var urls = (app.Configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Concat(app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? ""))
            .Where(u => u.Length > 0).ToList();
        if (auth.IsConfigured)
        {
            if (auth.CertificatesConfigured && urls.Count > 0 && !urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            {
                Log.CertificatesWithoutHttps(app.Logger, string.Join(", ", urls));
            }
            return;
        }
        var exposed = urls.Where(u => !IsLoopback(u)).ToList();
        if (exposed.Count > 0 && !auth.AllowUnauthenticated)
        {
            throw new StartupFailure(
                $"refusing to serve {string.Join(", ", exposed)} without authentication: set {AuthOptions.Section}:SigningKeyFiles or :JwksUrl (with :Issuer and :Audience), " +
                $"or {AuthOptions.Section}:ClientCaFile (client certificates), or {AuthOptions.Section}:AllowUnauthenticated=true to accept unauthenticated callers there");
        }
        Log.Unauthenticated(app.Logger, string.Join(", ", urls.DefaultIfEmpty("(test server)")));
    }

    private static bool IsLoopback(string url)
    {
        var host = Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri) ? uri.Host.Trim('[', ']') : url;
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
