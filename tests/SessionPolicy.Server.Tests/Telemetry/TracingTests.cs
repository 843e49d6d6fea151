using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.Server.Tests.Helpers;
using ActivityKind = System.Diagnostics.ActivityKind;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Telemetry;

/// <summary>IssueSession's trace: the gRPC server span with the STS call beneath it, and no secret in any span.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task IssueSession_StsCallIsAChildSpan_AndNoSpanHoldsASecret()
    {
        var spans = new List<Activity>();
        var serverSpan = new SpanWaiter(s => s.Kind == ActivityKind.Server && (s.DisplayName + s.GetTagItem("url.path")).Contains("IssueSession"));
        await using var bed = await StartAsync(services: s => s.AddOpenTelemetry()
            .WithTracing(t => t.AddSessionPolicySources().AddProcessor(serverSpan).AddInMemoryExporter(spans)));

        var response = await bed.Client.IssueSessionAsync(Request());
        var server = await serverSpan.Ended;
        bed.Server.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var sts = spans.Where(s => s.Kind == ActivityKind.Client && s.ParentSpanId == server.SpanId).ToList();
        Assert.NotEmpty(sts);
        Assert.All(sts, s => Assert.StartsWith(bed.Sts.Url.ToString().TrimEnd('/'), s.GetTagItem("url.full")?.ToString()));
        var everything = string.Join("\n", spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")).Concat(spans.Select(s => s.DisplayName)));
        foreach (var secret in new[] { SecretAccessKey, response.Credentials.SecretAccessKey, response.Credentials.SessionToken })
        {
            Assert.DoesNotContain(secret, everything);
        }
    }
}
