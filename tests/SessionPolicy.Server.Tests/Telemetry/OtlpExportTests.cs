using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Telemetry;

/// <summary>With the standard OTEL_EXPORTER_OTLP_* variables set, the built server exports traces, metrics and logs over OTLP.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task OtlpEndpointSet_ServerExportsEverySignal()
    {
        var received = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Signal(string path) => received.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1AndHttp2));
        await using var collector = builder.Build();
        collector.MapPost("/v1/{signal}", (string signal, HttpContext http) =>
        {
            if (http.Request.ContentType == "application/x-protobuf" && http.Request.ContentLength > 0) Signal(signal).TrySetResult();
            return Results.Ok();
        });
        await collector.StartAsync();
        var url = collector.Urls.First();

        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        await new SessionPolicyService.SessionPolicyServiceClient(server.Channel).DecideAsync(Sample.Human());

        foreach (var signal in new[] { "traces", "metrics", "logs" })
        {
            await Signal(signal).Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
