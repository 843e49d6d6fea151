using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Session Manager metrics (meter <c>SessionPolicy.Server</c>): preferences written and drift found, sessions running
/// within and beyond the policy, terminations and the time to them, by region; and the fleet coverage: the share of
/// configured regions whose preferences match the policy.
/// </summary>
internal sealed class SsmMetrics
{
    private readonly Counter<long> _applied;
    private readonly Counter<long> _drift;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _terminated;
    private readonly Counter<long> _foundOverLimit;
    private readonly Histogram<double> _timeToTerminate;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Active, long Over)> _sessions = new(StringComparer.Ordinal);
    private double _coverage;

    public SsmMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DecisionMetrics.MeterName);
        _applied = meter.CreateCounter<long>("sessionpolicy.ssm.preferences.applied", unit: "{write}", description: "Session Manager preferences written, by region and how (created, updated, restored).");
        _drift = meter.CreateCounter<long>("sessionpolicy.ssm.preferences.drift", unit: "{finding}", description: "Session Manager preferences found changed outside the service, by region.");
        _failures = meter.CreateCounter<long>("sessionpolicy.ssm.failures", unit: "{call}", description: "SSM calls that failed after their retries, by region and error code.");
        _terminated = meter.CreateCounter<long>("sessionpolicy.ssm.sessions.terminated", unit: "{session}", description: "Session Manager sessions terminated by the service, by region and reason.");
        _foundOverLimit = meter.CreateCounter<long>("sessionpolicy.ssm.sessions.over_limit_found", unit: "{session}",
            description: "Session Manager sessions found running beyond the policy (their increase over 7 days is the weekly count), by region.");
        _timeToTerminate = meter.CreateHistogram<double>("sessionpolicy.ssm.time_to_terminate", unit: "s",
            description: "Time from a Session Manager session crossing its limit to SSM accepting its termination; its mean is the mean time to terminate.", tags: null, advice: ServiceMeter.Seconds);
        meter.CreateObservableGauge("sessionpolicy.ssm.sessions.active", () => _sessions.Select(s => new Measurement<long>(s.Value.Active, new KeyValuePair<string, object?>("region", s.Key))),
            unit: "{session}", description: "Session Manager sessions running within the policy, by region (as of the last listing).");
        meter.CreateObservableGauge("sessionpolicy.ssm.sessions.over_limit", () => _sessions.Select(s => new Measurement<long>(s.Value.Over, new KeyValuePair<string, object?>("region", s.Key))),
            unit: "{session}", description: "Session Manager sessions running beyond the policy when listed, by region (each is terminated).");
        meter.CreateObservableGauge("sessionpolicy.ssm.fleet_coverage", () => Volatile.Read(ref _coverage), unit: "1",
            description: "Share of configured regions whose Session Manager preferences match the policy (as of their last check).");
    }

    public void Applied(string region, string how) => _applied.Add(1, new("region", region), new("how", how));

    public void Drift(string region) => _drift.Add(1, new KeyValuePair<string, object?>("region", region));

    public void Failed(string region, string code) => _failures.Add(1, new("region", region), new("code", code));

    public void Terminated(string region, string reason, TimeSpan afterLimit)
    {
        _terminated.Add(1, new("region", region), new("reason", reason));
        _timeToTerminate.Record(Math.Max(0, afterLimit.TotalSeconds), new KeyValuePair<string, object?>("region", region));
    }

    public void OverLimit(string region, int count)
    {
        if (count > 0) _foundOverLimit.Add(count, new KeyValuePair<string, object?>("region", region));
        _sessions.AddOrUpdate(region, (0, count), (_, v) => (v.Active, count));
    }

    public void ActiveSessions(string region, int count) => _sessions.AddOrUpdate(region, (count, 0), (_, v) => (count, v.Over));

    public void Coverage(double share) => Volatile.Write(ref _coverage, share);
}
