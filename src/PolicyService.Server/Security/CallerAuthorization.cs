using System.Security.Claims;
using Grpc.Core;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Checks, per call, that the caller authenticated (UNAUTHENTICATED otherwise, saying why) and holds the
/// permission the method needs (PERMISSION_DENIED otherwise, naming it). Without authentication
/// configured every caller may call everything.
/// </summary>
internal sealed class CallerAuthorization(IOptions<AuthOptions> options)
{
    private readonly AuthOptions _options = options.Value;

    public bool Enabled => _options.IsConfigured;

    public void Check(ServerCallContext context)
    {
        if (!Enabled || !Permissions.ByMethod.TryGetValue(context.Method, out var needed)) return;
        var http = context.GetHttpContext();
        var user = http.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            var why = http.Items.TryGetValue(AuthenticationFailure, out var failure) ? $": {failure}" : ": send a bearer token";
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"no valid credential{why}"));
        }
        if (!Values(user, _options.PermissionsClaim).Contains(needed))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"caller {Name(user)} lacks the '{needed}' permission that {context.Method} needs"));
        }
    }

    /// <summary>The audiences the caller may hear; null when callers are not authenticated (any audience).</summary>
    public IReadOnlySet<string>? Audiences(ServerCallContext context) =>
        Enabled ? Values(context.GetHttpContext().User, _options.AudiencesClaim) : null;

    public static string Name(ClaimsPrincipal user) => user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity?.Name ?? "unknown";

    /// <summary>Where the authentication handler leaves why a credential was refused.</summary>
    public const string AuthenticationFailure = "sessionpolicy.auth.failure";

    private static HashSet<string> Values(ClaimsPrincipal user, string claim) =>
        user.FindAll(claim).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
}
