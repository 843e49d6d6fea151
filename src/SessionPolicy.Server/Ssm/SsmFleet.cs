using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.SimpleSystemsManagement;

namespace SessionPolicy.Server.Ssm;

/// <summary>Whether a region's Session Manager preferences match the policy, as of its last check.</summary>
internal enum PreferencesState { Unknown, InSync, Drifted, Failing }

/// <summary>One region's standing: its preferences' state, the limits the policy wants there, when it was last checked, and the last error (SSM's code, never its message).</summary>
internal sealed record RegionStatus(SsmTarget Target, PreferencesState State, int IdleMinutes, int MaxMinutes, DateTimeOffset? CheckedAt, string LastError)
{
    /// <summary>Sessions running within the policy and beyond it, as of the last listing.</summary>
    public int ActiveSessions { get; init; }
    public int OverLimitSessions { get; init; }
    public DateTimeOffset? SessionsListedAt { get; init; }
}

/// <summary>The configured regions, an SSM client for each, and how each stands.</summary>
internal sealed class SsmFleet : IDisposable
{
    private readonly ConcurrentDictionary<string, RegionStatus> _status = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IAmazonSimpleSystemsManagement> _clients = new(StringComparer.Ordinal);

    public SsmFleet(SsmOptions options, AWSCredentials credentials, Func<Amazon.SecurityToken.IAmazonSecurityTokenService> sts)
    {
        Targets = options.Targets;
        Amazon.SecurityToken.IAmazonSecurityTokenService? stsClient = null;
        foreach (var t in Targets)
        {
            // Another account's Session Manager through a role there; the service's own with its own credentials.
            var signer = t.RoleArn.Length == 0 ? credentials : new AssumedRoleCredentials(stsClient ??= sts(), t.RoleArn);
            var config = new AmazonSimpleSystemsManagementConfig { RetryMode = RequestRetryMode.Standard, MaxErrorRetry = options.MaxErrorRetry, Timeout = options.Timeout };
            if (t.ServiceUrl.Length > 0)
            {
                config.ServiceURL = t.ServiceUrl;
                config.AuthenticationRegion = t.Region;
            }
            else
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(t.Region);
            }
            _clients[t.Name] = new AmazonSimpleSystemsManagementClient(signer, config);
            _status[t.Name] = new RegionStatus(t, PreferencesState.Unknown, 0, 0, null, "");
        }
    }

    public IReadOnlyList<SsmTarget> Targets { get; }

    public IAmazonSimpleSystemsManagement Client(SsmTarget target) => _clients[target.Name];

    public IReadOnlyList<RegionStatus> Status => [.. Targets.Select(t => _status[t.Name])];

    /// <summary>Records a check of the region's preferences (its session counts kept).</summary>
    public void Set(RegionStatus status) => _status.AddOrUpdate(status.Target.Name, status,
        (_, old) => status with { ActiveSessions = old.ActiveSessions, OverLimitSessions = old.OverLimitSessions, SessionsListedAt = old.SessionsListedAt });

    /// <summary>Records a listing of the region's sessions.</summary>
    public void SetSessions(SsmTarget target, int active, int overLimit, DateTimeOffset at) =>
        _status.AddOrUpdate(target.Name, new RegionStatus(target, PreferencesState.Unknown, 0, 0, null, "") { ActiveSessions = active, OverLimitSessions = overLimit, SessionsListedAt = at },
            (_, old) => old with { ActiveSessions = active, OverLimitSessions = overLimit, SessionsListedAt = at });

    /// <summary>The share of regions whose preferences match the policy.</summary>
    public double Coverage => Targets.Count == 0 ? 0 : (double)_status.Values.Count(s => s.State == PreferencesState.InSync) / Targets.Count;

    public void Dispose()
    {
        foreach (var c in _clients.Values) c.Dispose();
    }
}
