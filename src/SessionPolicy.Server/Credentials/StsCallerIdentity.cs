using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// Whether the service's own credentials are a role session, so that every session it assumes is role
/// chaining and capped at one hour. In <see cref="RoleChainingMode.Auto"/> STS is asked once
/// (GetCallerIdentity); a refusal that names role chaining teaches it too.
/// </summary>
internal sealed class StsCallerIdentity(IAmazonSecurityTokenService sts, IOptions<StsOptions> options, ILogger<StsCallerIdentity> logger)
{
    private readonly RoleChainingMode _mode = options.Value.RoleChaining;
    private Task<bool?>? _lookup;
    private volatile bool _learnedRoleSession;

    public async ValueTask<bool> IsRoleSessionAsync()
    {
        if (_mode != RoleChainingMode.Auto) return _mode == RoleChainingMode.Always;
        if (_learnedRoleSession) return true;
        var lookup = _lookup ??= LookupAsync();
        var known = await lookup;
        // A failed lookup is tried again on the next call.
        if (known is null) _ = Interlocked.CompareExchange(ref _lookup, null, lookup);
        return known ?? false;
    }

    /// <summary>STS said so: the credentials are a role session.</summary>
    public void LearnRoleSession() => _learnedRoleSession = true;

    private async Task<bool?> LookupAsync()
    {
        try
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
            var roleSession = identity.Arn.Contains(":assumed-role/", StringComparison.Ordinal);
            Log.StsIdentity(logger, identity.Arn, roleSession);
            return roleSession;
        }
        catch (Exception e)
        {
            Log.StsIdentityUnknown(logger, e.GetType().Name, e.Message);
            return null;
        }
    }
}
