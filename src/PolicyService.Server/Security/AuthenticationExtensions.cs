using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Configuration;
using SessionPolicy.Server.Internal;

namespace SessionPolicy.Server.Security;

/// <summary>JWT bearer authentication from <see cref="AuthOptions"/>, and the rule for serving without it.</summary>
internal static class AuthenticationExtensions
{
    public static IServiceCollection AddCallerAuthentication(this IServiceCollection services, AuthOptions auth)
    {
        services.AddSingleton<CallerAuthorization>();
        if (!auth.IsConfigured) return services;
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                IssuerSigningKeys = auth.SigningKeyFiles.Select(Load).ToList(),
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                // Kept for the UNAUTHENTICATED message: the kind of failure, never the token.
                OnAuthenticationFailed = c =>
                {
                    c.HttpContext.Items[CallerAuthorization.AuthenticationFailure] = c.Exception switch
                    {
                        SecurityTokenExpiredException => "the token has expired",
                        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "the token's signature is not from a trusted key",
                        SecurityTokenInvalidIssuerException => "the token's issuer is not trusted",
                        SecurityTokenInvalidAudienceException => "the token is not for this service",
                        _ => "the token is not valid",
                    };
                    return Task.CompletedTask;
                },
            };
        });
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

    private static SecurityKey Load(string file)
    {
        var pem = File.ReadAllText(file);
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ec.Dispose();
        }
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa);
    }
}
