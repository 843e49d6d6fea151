using System.Diagnostics.Metrics;

namespace SessionPolicy.Server.Internal;

/// <summary>The service's own metrics (meter <c>SessionPolicy.Server</c>).</summary>
internal sealed class DecisionMetrics
{
    public const string MeterName = "SessionPolicy.Server";

    private readonly Counter<long> _degraded;

    public DecisionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _degraded = meter.CreateCounter<long>("sessionpolicy.decisions.degraded", unit: "{decision}",
            description: "Decisions made without the shared store because it was unreachable or slow.");
    }

    public void Degraded() => _degraded.Add(1);
}
