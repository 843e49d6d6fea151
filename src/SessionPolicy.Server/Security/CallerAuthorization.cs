using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Checks, per call, that the caller presented a valid credential (UNAUTHENTICATED otherwise, saying why) and
/// holds the permission the method needs (PERMISSION_DENIED otherwise, naming it); every refusal is an audit
/// record. The credential is a bearer token when the call carries one (and tokens are configured), otherwise
/// the connection's client certificate. A token seen before and a connection's certificate cost a lookup.
/// Without authentication configured every caller may call everything.
/// </summary>
internal sealed class CallerAuthorization : IStartupTask
{
    private const string ConnectionToken = "sessionpolicy.token-caller";
    private const string ConnectionCertificate = "sessionpolicy.certificate-caller";
    private readonly AuthOptions _options;
    private readonly IServiceProvider _services;
    private readonly AuditTrail _audit;
    private TokenAuthenticator? _tokens;
    private CertificateAuthenticator? _certificates;
    private string _noCredential = "";

    public CallerAuthorization(IOptions<AuthOptions> options, AuditTrail audit, IServiceProvider services)
    {
        _options = options.Value;
        _services = services;
        _audit = audit;
    }

    /// <summary>
    /// Loads the configured token keys and client CA at start, so a key or certificate file that does not
    /// read stops start-up naming its setting instead of failing the first call.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _tokens = _options.TokensConfigured ? Load<TokenAuthenticator>($"{AuthOptions.Section}:SigningKeyFiles") : null;
        _certificates = _options.CertificatesConfigured ? Load<CertificateAuthenticator>($"{AuthOptions.Section}:ClientCaFile") : null;
        _noCredential = "no credential: " + (_tokens, _certificates) switch
        {
            (not null, not null) => "send an authorization: Bearer <JWT> header or connect with a client certificate",
            (not null, null) => "send an authorization: Bearer <JWT> header",
            _ => "connect over TLS with a client certificate issued by the configured CA",
        };
        return Task.CompletedTask;
    }

    private T Load<T>(string setting) where T : notnull
    {
        try
        {
            return _services.GetRequiredService<T>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            throw new StartupFailure($"{setting}: {e.Message}", StartupFailure.Configuration, e);
        }
    }

    public bool Enabled => _tokens is not null || _certificates is not null;

    /// <summary>
    /// Authorizes the call. Completes at once with the caller when its credential is known (null when
    /// authentication is off or the method needs no permission); a token not seen before is validated
    /// asynchronously. Throws the refusal.
    /// </summary>
    public ValueTask<Caller?> AuthorizeAsync(ServerCallContext context)
    {
        if (!Enabled) return default;
        var http = context.GetHttpContext();
        if (!Permissions.ByMethod.TryGetValue(context.Method, out var needed))
        {
            if (Permissions.IsExempt(context.Method)) return default;
            throw Denied(StatusCode.PermissionDenied, $"{context.Method} has no permission listed for it, so no caller may call it", http, context.Method, null);
        }
        return Authorize(http, context.Method, needed);
    }

    /// <summary>
    /// Authorizes a request on the HTTP port (<paramref name="route"/> names it in refusals and audit records) as a gRPC call
    /// is: the same credentials, the same permissions. Null when authentication is off. Throws the refusal as an
    /// <see cref="RpcException"/> (UNAUTHENTICATED or PERMISSION_DENIED), which the HTTP edge answers as 401 or 403.
    /// </summary>
    public ValueTask<Caller?> AuthorizeHttpAsync(HttpContext http, string route, string needed) => Enabled ? Authorize(http, route, needed) : default;

    private ValueTask<Caller?> Authorize(HttpContext http, string method, string needed)
    {
        var header = http.Request.Headers.Authorization;
        if (_tokens is not null && header.Count > 0)
        {
            if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                throw Denied(StatusCode.Unauthenticated, "credential refused: the authorization header is not 'Bearer <JWT>'", http, method, null);
            }
            return KnownToken(http, value) is { } known ? new(Allow(known, needed, http, method)) : CheckTokenAsync(http, value, needed, method);
        }
        if (_certificates is not null && http.Connection.ClientCertificate is { } certificate)
        {
            var (caller, failure) = CertificateCaller(http, certificate);
            if (caller is null) throw Denied(StatusCode.Unauthenticated, $"credential refused: {failure}", http, method, null);
            return new(Allow(caller, needed, http, method));
        }
        throw Denied(StatusCode.Unauthenticated, _noCredential, http, method, null);
    }

    private async ValueTask<Caller?> CheckTokenAsync(HttpContext http, string header, string needed, string method)
    {
        var (caller, failure) = await _tokens!.ValidateAsync(header[7..]);
        if (caller is null) throw Denied(StatusCode.Unauthenticated, $"credential refused: {failure}", http, method, null);
        RememberToken(http, header, caller);
        return Allow(caller, needed, http, method);
    }

    /// <summary>
    /// The caller as far as it is known without validating anything new: a remembered token's or the
    /// connection's certificate's. Null when authentication is off (neither is configured) or the credential is new or refused.
    /// Rate limits use it to count a caller's calls wherever they come from.
    /// </summary>
    public Caller? Identify(HttpContext http)
    {
        if (_tokens is not null && http.Request.Headers.Authorization is { Count: 1 } header && header[0] is { Length: > 7 } value
            && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return KnownToken(http, value);
        }
        return _certificates is not null && http.Connection.ClientCertificate is { } certificate ? CertificateCaller(http, certificate).Caller : null;
    }

    /// <summary>Who a caller is for rate limits and stream caps: its authenticated name when known, else its network address.</summary>
    public string LimitKey(HttpContext http) =>
        Identify(http)?.LimitKey ?? "address " + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    /// <summary>The audiences the caller may hear; null when callers are not authenticated (any audience).</summary>
    public IReadOnlySet<string>? Audiences(ServerCallContext context) =>
        !Enabled ? null : Identify(context.GetHttpContext())?.Audiences ?? new HashSet<string>();

    /// <summary>
    /// The caller of a token already validated: first the one this connection used last (a caller keeps its
    /// connection and its token, so that is one string comparison), then every token remembered.
    /// </summary>
    private Caller? KnownToken(HttpContext http, string header)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items?.TryGetValue(ConnectionToken, out var last) == true && last is (string lastHeader, Caller lastCaller)
            && string.Equals(lastHeader, header, StringComparison.Ordinal) && lastCaller.ValidUntil > _tokens!.Now)
        {
            return lastCaller;
        }
        if (_tokens!.Remembered(header.AsSpan(7)) is not { } caller) return null;
        RememberToken(http, header, caller);
        return caller;
    }

    private static void RememberToken(HttpContext http, string header, Caller caller)
    {
        if (http.Features.Get<IConnectionItemsFeature>()?.Items is { } items) items[ConnectionToken] = (header, caller);
    }

    /// <summary>The connection's certificate checked once per connection; the answer holds until the certificate expires.</summary>
    private (Caller? Caller, string Failure) CertificateCaller(HttpContext http, X509Certificate2 certificate)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items?.TryGetValue(ConnectionCertificate, out var checkedBefore) == true && checkedBefore is ValueTuple<Caller?, string> before
            && (before.Item1 is null || before.Item1.ValidUntil > _certificates!.Now))
        {
            return before;
        }
        var result = _certificates!.Validate(certificate);
        if (items is not null) items[ConnectionCertificate] = result;
        return result;
    }

    private Caller Allow(Caller caller, string needed, HttpContext http, string method) =>
        caller.Permissions.Contains(needed) ? caller
        : throw Denied(StatusCode.PermissionDenied, $"caller {caller.Name} lacks the '{needed}' permission that {method} needs", http, method, caller);

    /// <summary>A refusal, audited.</summary>
    private RpcException Denied(StatusCode code, string reason, HttpContext http, string method, Caller? caller)
    {
        _audit.Write(new AuditRecord
        {
            Type = "access.denied",
            Time = _audit.Now,
            Caller = caller?.Name,
            Address = http.Connection.RemoteIpAddress?.ToString(),
            Method = method,
            Outcome = code == StatusCode.Unauthenticated ? "unauthenticated" : "permission_denied",
            Reason = reason,
        });
        return new RpcException(new Status(code, reason));
    }

    /// <summary>A refusal by a service method on authorization grounds (an audience the caller may not hear), audited like the others.</summary>
    public RpcException Denied(ServerCallContext context, string reason) =>
        Denied(StatusCode.PermissionDenied, reason, context.GetHttpContext(), context.Method, Identify(context.GetHttpContext()));
}
