using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>The service reads what a real redis-server promises to keep, and says so.</summary>
public sealed class StoreDurabilityTests
{
    private static async Task<(HealthReportEntry Health, int Gauge)> Report(PolicyServiceFactory factory)
    {
        using var gauge = new MetricCollector<int>(factory.Services.GetRequiredService<IMeterFactory>(), "SessionPolicy.Server", "sessionpolicy.redis.durable");
        gauge.RecordObservableInstruments();
        var health = await factory.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "redis");
        return (health.Entries["redis"], gauge.LastMeasurement!.Value);
    }

    [Fact]
    public async Task NoAofAndNoReplica_IsReportedAsLosingAcknowledgedWrites()
    {
        await using var redis = await RedisServer.StartAsync();
        using var factory = new PolicyServiceFactory(Sample.OneHourPolicy, settings: redis.SharedSettings());
        _ = factory.Server;

        var (health, gauge) = await Report(factory);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("no AOF and no replica", health.Description);
        Assert.Equal(0, gauge);
    }

    [Fact]
    public async Task Aof_IsDurable()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true);
        using var factory = new PolicyServiceFactory(Sample.OneHourPolicy, settings: redis.SharedSettings());
        _ = factory.Server;

        var (health, gauge) = await Report(factory);

        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("AOF on", health.Description);
        Assert.Equal(1, gauge);
    }
}
