using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// Revocation metrics (meter <c>SessionPolicy.Server</c>): writes of a role's policy by outcome, the time from a session
/// ending to IAM accepting its deny, and the roles waiting for IAM.
/// </summary>
internal sealed class RevocationMetrics
{
    private readonly Counter<long> _writes;
    private readonly Histogram<double> _latency;
    private int _waiting;

    public RevocationMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DecisionMetrics.MeterName);
        _writes = meter.CreateCounter<long>("sessionpolicy.revocation.writes", unit: "{write}",
            description: "Writes of a role's revocation policy, by outcome (written, removed, fallback, dry_run, failing, failed).");
        _latency = meter.CreateHistogram<double>("sessionpolicy.revocation.latency", unit: "s",
            description: "Time from a session ending to IAM accepting the deny of its credentials.", tags: null, advice: ServiceMeter.Seconds);
        meter.CreateObservableGauge("sessionpolicy.revocation.pending_roles", () => Volatile.Read(ref _waiting), unit: "{role}",
            description: "Roles whose revocations IAM has not accepted yet.");
    }

    public void Wrote(string outcome) => _writes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Accepted(TimeSpan sinceEnding) => _latency.Record(Math.Max(0, sinceEnding.TotalSeconds));

    public void Waiting(int roles) => Volatile.Write(ref _waiting, roles);
}
