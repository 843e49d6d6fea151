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
        services.AddSingleton<BindingGuard>().AddHostedService(sp => sp.GetRequiredService<BindingGuard>());
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

    /// <summary>The configured URLs checked before start (<see cref="BindingGuard"/> checks what was bound after).</summary>
    public static void CheckUnauthenticatedBinding(WebApplication app, AuthOptions auth)
    {
        var urls = (app.Configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Concat(app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? ""))
            .Where(u => u.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        BindingGuard.Check(urls, auth, app.Logger, warn: false);
    }
}
