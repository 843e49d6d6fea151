using System.Diagnostics.Metrics;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Policies;

/// <summary>
/// Policy metrics (meter <c>SessionPolicy.Server</c>): reloads by result (applied, rejected), and whether the newest
/// policy file is refused while the last good one keeps serving (<c>sessionpolicy.policy.reload_failing</c>, 1 or 0).
/// </summary>
internal sealed class PolicyMetrics : IStartupTask
{
    private readonly Counter<long> _reloads;

    public PolicyMetrics(PolicyStore store, IMeterFactory meters)
    {
        var meter = meters.Create(ServiceMeter.Name);
        _reloads = meter.CreateCounter<long>("sessionpolicy.policy.reloads", unit: "{reload}",
            description: "Policy reloads after start, by result (applied, rejected).");
        meter.CreateObservableGauge("sessionpolicy.policy.reload_failing", () => store.LastRejected is null ? 0 : 1, unit: "1",
            description: "1 while the newest policy file is refused and the last good policy keeps serving, else 0.");
        store.Changed += _ => _reloads.Add(1, new KeyValuePair<string, object?>("result", "applied"));
        store.Rejected += _ => _reloads.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
