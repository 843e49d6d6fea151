using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Telemetry;

/// <summary>The governance metrics after a scripted scenario, read through an in-memory OpenTelemetry exporter.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsTests : IDisposable
{
    private const string Policy = """
        version: 1
        defaults: { max_session: 1h, idle_timeout: 15m }
        profiles:
          - name: admins
            match: { role: { arns: ["arn:aws:iam::*:role/Admin"] } }
            max_session: 30m
            idle_timeout: 10m
        """;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
    private readonly List<Metric> _metrics = [];
    private readonly List<Activity> _spans = [];
    private readonly SpanWaiter _serverSpan = new(s => s.Kind == System.Diagnostics.ActivityKind.Server
        && (s.DisplayName + s.GetTagItem("url.path")).Contains("sessionpolicy.v1.SessionPolicyService/Decide"));
    private readonly PolicyServiceFactory _server;

    public MetricsTests()
    {
        _server = new PolicyServiceFactory(Policy, _clock, services: s => s.AddOpenTelemetry()
            .WithMetrics(m => m.AddSessionPolicyMeters().AddInMemoryExporter(_metrics))
            .WithTracing(t => t.AddSessionPolicySources().AddProcessor(_serverSpan).AddInMemoryExporter(_spans)));
    }

    public void Dispose() => _server.Dispose();

    private long Sum(string name, params (string Key, string Value)[] tags)
    {
        _server.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = _metrics.LastOrDefault(m => m.Name == name);
        if (metric is null) return 0;
        long total = 0;
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags) pointTags[tag.Key] = tag.Value;
            if (tags.All(t => Equals(pointTags.GetValueOrDefault(t.Key), t.Value)))
            {
                total += metric.MetricType switch
                {
                    MetricType.LongSum => point.GetSumLong(),
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    MetricType.Histogram => point.GetHistogramCount(),
                    _ => throw new InvalidOperationException($"{name} is {metric.MetricType}"),
                };
            }
        }
        return total;
    }

    private double Gauge(string name)
    {
        _server.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var metric = _metrics.Last(m => m.Name == name);
        foreach (ref readonly var point in metric.GetMetricPoints()) return point.GetGaugeLastValueDouble();
        throw new InvalidOperationException($"{name} has no point");
    }

    [Fact]
    public async Task Scenario_DecisionsSessionsAndLogouts_AreCounted()
    {
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(_server.Channel);
        var events = Client(_server);
        for (var i = 0; i < 3; i++) await decisions.DecideAsync(Sample.Human("ann"));
        await decisions.DecideAsync(Sample.Human("bob", arn: "arn:aws:iam::123456789012:role/Admin"));

        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"]);
        var forced = (await events.RegisterSessionAsync(Register("cara"))).Session.SessionId;
        await events.RegisterSessionAsync(Register("dan"));
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = forced });
        await stream.NextEventAsync();
        _clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(2));
        await _server.Services.GetRequiredService<SessionLifecycle>().SweepAsync(CancellationToken.None);
        await stream.NextEventAsync();

        // Four Decide calls and two registrations decide; the registrations' compliance checks are not counted.
        Assert.Equal(6, Sum("sessionpolicy.decisions", ("outcome", "allow")));
        Assert.Equal(3, Sum("sessionpolicy.decisions", ("source", "computed"), ("profile", "default")));
        Assert.Equal(2, Sum("sessionpolicy.decisions", ("source", "local_cache")));
        Assert.Equal(1, Sum("sessionpolicy.decisions", ("profile", "admins")));
        Assert.Equal(2, Sum("sessionpolicy.decision_cache.lookups", ("result", "hit")));
        Assert.Equal(4, Sum("sessionpolicy.decision_cache.lookups", ("result", "miss")));
        Assert.Equal(0.5, Gauge("sessionpolicy.roles.explicit_profile_ratio"));
        Assert.Equal(1, Sum("sessionpolicy.logout.events", ("reason", "admin")));
        Assert.Equal(1, Sum("sessionpolicy.logout.events", ("reason", "idle_timeout")));
        Assert.Equal(2, Sum("sessionpolicy.sessions.ended"));
        Assert.Equal(2, Sum("sessionpolicy.logout.deliveries"));
        Assert.Equal(1, Sum("sessionpolicy.logout.subscribers"));
        Assert.Equal(0, Sum("sessionpolicy.sessions.active"));
        Assert.Equal(1, Sum("sessionpolicy.sessions.termination_lag"));
        Assert.Equal(0, Sum("sessionpolicy.decisions.degraded"));
    }

    [Fact]
    public async Task Decide_IsTracedAsAGrpcServerSpan()
    {
        await new SessionPolicyService.SessionPolicyServiceClient(_server.Channel).DecideAsync(Sample.Human());

        var span = await _serverSpan.Ended;
        Assert.Contains("sessionpolicy.v1.SessionPolicyService/Decide", span.DisplayName + " " + span.GetTagItem("url.path"));
    }
}
