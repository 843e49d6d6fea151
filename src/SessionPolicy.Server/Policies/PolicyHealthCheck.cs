using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SessionPolicy.Server.Policies;

/// <summary>Ready when a policy is being served; says which version and whether a newer file was refused.</summary>
internal sealed class PolicyHealthCheck(PolicyStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = store.Current;
        var data = new Dictionary<string, object> { ["version"] = current.Version, ["source"] = current.Source };
        var description = store.LastRejected is { } rejected
            ? $"serving {current.Version}; newer policy {rejected.Version} was refused with {rejected.Errors.Count} errors"
            : $"serving {current.Version}";
        return Task.FromResult(HealthCheckResult.Healthy(description, data));
    }
}
