using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Decision metrics (meter <c>SessionPolicy.Server</c>): decisions by outcome, profile and source, cache
/// lookups by result (the hit ratio), degraded decisions, and the share of roles decided by an explicit
/// profile rather than the policy's defaults. Recording costs next to nothing while nobody listens.
/// </summary>
internal sealed class DecisionMetrics
{
    public const string MeterName = ServiceMeter.Name;

    /// <summary>Distinct roles remembered for the coverage ratio.</summary>
    public const int MaxTrackedRoles = 10_000;

    private readonly Counter<long> _degraded;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _lookups;
    private readonly Counter<long> _environments;
    private readonly ConcurrentDictionary<string, bool> _roles = new(StringComparer.Ordinal);

    public DecisionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _degraded = meter.CreateCounter<long>("sessionpolicy.decisions.degraded", unit: "{decision}",
            description: "Decisions made without the shared store because it was unreachable or slow.");
        _decisions = meter.CreateCounter<long>("sessionpolicy.decisions", unit: "{decision}",
            description: "Decisions answered, by outcome, profile and source (computed, local_cache, shared_cache).");
        _lookups = meter.CreateCounter<long>("sessionpolicy.decision_cache.lookups", unit: "{lookup}",
            description: "Decision cache lookups by result (hit, miss); hits over lookups is the hit ratio.");
        _environments = meter.CreateCounter<long>("sessionpolicy.decisions.unknown_environment", unit: "{decision}",
            description: "Decisions evaluated for a request whose environment the policy does not declare (undeclared) or that named none (missing), by reason.");
        meter.CreateObservableGauge("sessionpolicy.roles.explicit_profile_ratio", RoleCoverage, unit: "1",
            description: "Share of the roles decided so far (up to 10,000) whose decision came from an explicit profile, not the defaults.");
    }

    public void Degraded() => _degraded.Add(1);

    /// <summary>An evaluated request's environment was not a declared one.</summary>
    public void Environment(Core.Evaluation.EnvironmentResolution how)
    {
        if (how is Core.Evaluation.EnvironmentResolution.Undeclared or Core.Evaluation.EnvironmentResolution.Missing && _environments.Enabled)
        {
            _environments.Add(1, new KeyValuePair<string, object?>("reason", how == Core.Evaluation.EnvironmentResolution.Undeclared ? "undeclared" : "missing"));
        }
    }

    public void Decided(Decision decision)
    {
        if (!_decisions.Enabled) return;
        _decisions.Add(1, new("outcome", Outcomes[(int)decision.Outcome]), new("profile", decision.Profile), new("source", Sources[(int)decision.Source]));
    }

    public void CacheLookup(bool hit)
    {
        if (_lookups.Enabled) _lookups.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));
    }

    /// <summary>A role was decided (not from a cache) by <paramref name="profile"/>.</summary>
    public void RoleDecided(string roleArn, string profile)
    {
        if (_roles.Count < MaxTrackedRoles || _roles.ContainsKey(roleArn)) _roles[roleArn] = profile != "default";
    }

    private double RoleCoverage()
    {
        var total = 0;
        var covered = 0;
        foreach (var explicitProfile in _roles.Values)
        {
            total++;
            if (explicitProfile) covered++;
        }
        return total == 0 ? 0 : (double)covered / total;
    }

    private static readonly string[] Outcomes = ["unspecified", "allow", "reauthenticate", "deny"];
    private static readonly string[] Sources = ["unspecified", "computed", "local_cache", "shared_cache"];
}
