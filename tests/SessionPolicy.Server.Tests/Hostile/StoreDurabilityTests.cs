using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using System.Diagnostics.Metrics;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>The service reads what a real redis-server promises to keep, says so, and can wait for replicas.</summary>
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

    [Fact]
    public async Task WaitReplicas_WithoutAReplica_ForceLogoutIsUnavailable_AndWithOneSucceeds()
    {
        await using var primary = await RedisServer.StartAsync();
        var settings = primary.SharedSettings();
        settings["SessionPolicy:Redis:WaitReplicas"] = "1";
        settings["SessionPolicy:Redis:WaitTimeout"] = "00:00:00.200";
        using var factory = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        var events = new SessionEventsService.SessionEventsServiceClient(factory.Channel);
        var first = (await events.RegisterSessionAsync(Helpers.Sessions.Register())).Session.SessionId;

        var alone = await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = first }).ResponseAsync);
        await using var replica = await RedisServer.StartAsync(replicaOf: primary);
        settings["SessionPolicy:Redis:WaitTimeout"] = "00:00:10";
        using var patient = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        var withReplica = new SessionEventsService.SessionEventsServiceClient(patient.Channel);
        var second = (await withReplica.RegisterSessionAsync(Helpers.Sessions.Register(principal: "bob"))).Session.SessionId;
        var confirmed = await withReplica.ForceLogoutAsync(new ForceLogoutRequest { SessionId = second });

        Assert.Equal(StatusCode.Unavailable, alone.StatusCode);
        Assert.Contains("confirmed by 0 of 1 replicas", alone.Status.Detail);
        Assert.Equal([second], confirmed.SessionIds);
    }
}
