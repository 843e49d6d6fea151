using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Telemetry;
using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Server.Tests.Ssm;

/// <summary>The Session Manager KPIs after a scripted scenario, read through an in-memory OpenTelemetry exporter.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class SsmKpiTests
{
    [Fact]
    public async Task Scenario_OneSessionOverTheLimit_OneRegionDrifted_GivesTheKpis()
    {
        var metrics = new List<Metric>();
        await using var bed = await SsmBed.StartAsync(prepare: ssm =>
        {
            ssm.AddSession("eu-west-1", new SsmSession("alice-1", "i-01", "arn:aws:iam::123456789012:user/alice", DateTimeOffset.UtcNow.AddMinutes(-5)));
            ssm.AddSession("eu-west-1", new SsmSession("bob-1", "i-02", "arn:aws:iam::123456789012:user/bob", DateTimeOffset.UtcNow.AddHours(-3)));
        }, services: s => s.AddOpenTelemetry().WithMetrics(m => m.AddSessionPolicyMeters().AddInMemoryExporter(metrics)));
        await bed.FirstRoundAsync();
        await bed.SessionsRoundAsync(TimeSpan.FromSeconds(30));
        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Session("eu-west-1", "bob-1")!.Status == "Terminated"), "bob's session terminated");
        bed.Ssm.EditDocument("us-east-1", SsmBed.Document, bed.Ssm.Document("us-east-1", SsmBed.Document)!.Replace("\"idleSessionTimeout\": \"60\"", "\"idleSessionTimeout\": \"5\"", StringComparison.Ordinal));
        await bed.RoundAsync(TimeSpan.FromMinutes(5));
        await bed.SessionsRoundAsync(TimeSpan.FromSeconds(30));

        bed.Sts.Server.Services.GetRequiredService<MeterProvider>().ForceFlush();
        Metric Last(string name) => metrics.Last(m => m.Name == name);
        double Value(string name)
        {
            var total = 0.0;
            foreach (ref readonly var p in Last(name).GetMetricPoints())
            {
                total += Last(name).MetricType switch
                {
                    MetricType.LongSum => p.GetSumLong(),
                    MetricType.LongGauge => p.GetGaugeLastValueLong(),
                    MetricType.DoubleGauge => p.GetGaugeLastValueDouble(),
                    MetricType.Histogram => p.GetHistogramCount(),
                    _ => throw new InvalidOperationException(name),
                };
            }
            return total;
        }

        Assert.Equal(1, Value("sessionpolicy.ssm.sessions.over_limit_found"));
        Assert.Equal(1, Value("sessionpolicy.ssm.time_to_terminate"));
        Assert.Equal(1, Value("sessionpolicy.ssm.sessions.terminated"));
        Assert.Equal(1, Value("sessionpolicy.ssm.sessions.active"));          // alice, within the policy
        Assert.Equal(0, Value("sessionpolicy.ssm.sessions.over_limit"));      // bob is gone from SSM by now
        Assert.Equal(0.5, Value("sessionpolicy.ssm.fleet_coverage"));         // us-east-1 drifted
        Assert.Equal(1, Value("sessionpolicy.ssm.preferences.drift"));
        Assert.Equal(2, Value("sessionpolicy.ssm.preferences.applied"));      // created in each region
    }
}
