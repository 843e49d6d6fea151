using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Checks, per call, that the caller sent a valid bearer token (UNAUTHENTICATED otherwise, saying why) and
/// holds the permission the method needs (PERMISSION_DENIED otherwise, naming it). A token seen before
/// costs a dictionary lookup. Without authentication configured every caller may call everything.
/// </summary>
internal sealed class CallerAuthorization(IOptions<AuthOptions> options, IServiceProvider services)
{
    private const string ConnectionCaller = "sessionpolicy.caller";
    private readonly TokenAuthenticator? _tokens = options.Value.IsConfigured ? services.GetRequiredService<TokenAuthenticator>() : null;

    public bool Enabled => _tokens is not null;

    /// <summary>Null when the call may go on now; otherwise a task that checks it the slow way (a token not seen before).</summary>
    public Task? Check(ServerCallContext context)
    {
        if (_tokens is null || !Permissions.ByMethod.TryGetValue(context.Method, out var needed)) return null;
        var http = context.GetHttpContext();
        var header = http.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "no credential: send an authorization: Bearer <JWT> header"));
        }
        if (Known(http, value) is { } known)
        {
            Allow(known, needed, context.Method);
            return null;
        }
        return CheckSlowAsync(http, value, needed, context.Method);
    }

    private async Task CheckSlowAsync(HttpContext http, string header, string needed, string method)
    {
        var (caller, failure) = await _tokens!.ValidateAsync(header[7..]);
        if (caller is null) throw new RpcException(new Status(StatusCode.Unauthenticated, $"credential refused: {failure}"));
        Remember(http, header, caller);
        Allow(caller, needed, method);
    }

    /// <summary>
    /// The caller of a token already validated: first the one this connection used last (a caller keeps its
    /// connection and its token, so that is one string comparison), then every token remembered.
    /// </summary>
    private Caller? Known(HttpContext http, string header)
    {
        var items = http.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items?.TryGetValue(ConnectionCaller, out var last) == true && last is (string lastHeader, Caller lastCaller)
            && string.Equals(lastHeader, header, StringComparison.Ordinal) && lastCaller.ValidUntil > _tokens!.Now)
        {
            return lastCaller;
        }
        if (_tokens!.Remembered(header.AsSpan(7)) is not { } caller) return null;
        Remember(http, header, caller);
        return caller;
    }

    private static void Remember(HttpContext http, string header, Caller caller)
    {
        if (http.Features.Get<IConnectionItemsFeature>()?.Items is { } items) items[ConnectionCaller] = (header, caller);
    }

    private static void Allow(Caller caller, string needed, string method)
    {
        if (!caller.Permissions.Contains(needed))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"caller {caller.Name} lacks the '{needed}' permission that {method} needs"));
        }
    }

    /// <summary>The audiences the caller may hear; null when callers are not authenticated (any audience).</summary>
    public IReadOnlySet<string>? Audiences(ServerCallContext context)
    {
        if (!Enabled) return null;
        var http = context.GetHttpContext();
        return http.Request.Headers.Authorization.ToString() is { Length: > 7 } header && Known(http, header) is { } caller ? caller.Audiences : new HashSet<string>();
    }
}
