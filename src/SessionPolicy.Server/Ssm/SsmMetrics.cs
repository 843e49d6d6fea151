using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Session Manager metrics (meter <c>SessionPolicy.Server</c>): preferences written and drift found, by region, and the
/// fleet coverage: the share of configured regions whose preferences match the policy.
/// </summary>
internal sealed class SsmMetrics
{
    private readonly Counter<long> _applied;
    private readonly Counter<long> _drift;
    private readonly Counter<long> _failures;
    private double _coverage;

    public SsmMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DecisionMetrics.MeterName);
        _applied = meter.CreateCounter<long>("sessionpolicy.ssm.preferences.applied", unit: "{write}", description: "Session Manager preferences written, by region and how (created, updated, restored).");
        _drift = meter.CreateCounter<long>("sessionpolicy.ssm.preferences.drift", unit: "{finding}", description: "Session Manager preferences found changed outside the service, by region.");
        _failures = meter.CreateCounter<long>("sessionpolicy.ssm.failures", unit: "{call}", description: "SSM calls that failed after their retries, by region and error code.");
        meter.CreateObservableGauge("sessionpolicy.ssm.fleet_coverage", () => Volatile.Read(ref _coverage), unit: "1",
            description: "Share of configured regions whose Session Manager preferences match the policy (as of their last check).");
    }

    public void Applied(string region, string how) => _applied.Add(1, new("region", region), new("how", how));

    public void Drift(string region) => _drift.Add(1, new KeyValuePair<string, object?>("region", region));

    public void Failed(string region, string code) => _failures.Add(1, new("region", region), new("code", code));

    public void Coverage(double share) => Volatile.Write(ref _coverage, share);
}
