using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Redis;

namespace SessionPolicy.Server.Telemetry;

/// <summary>
/// OpenTelemetry traces (gRPC server spans, with Redis and STS client spans beneath), metrics (the
/// service's meter and the server's own) and logs, exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables name an endpoint; each signal is exported when the general
/// endpoint or its own is set. Unset, nothing is collected, and recording costs next to nothing.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The default service name; <c>OTEL_SERVICE_NAME</c> overrides it.</summary>
    public const string ServiceName = "session-policy";

    public static WebApplicationBuilder AddSessionPolicyTelemetry(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        bool Endpoint(string signal) => !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(config[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
        var (traces, metrics, logs) = (Endpoint("TRACES"), Endpoint("METRICS"), Endpoint("LOGS"));
        if (!traces && !metrics && !logs) return builder;

        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(ServiceName));
        if (traces) otel.WithTracing(t => t.AddSessionPolicySources().AddOtlpExporter());
        if (metrics) otel.WithMetrics(m => m.AddSessionPolicyMeters().AddOtlpExporter());
        if (logs) otel.WithLogging(l => l.AddOtlpExporter());
        return builder;
    }

    /// <summary>gRPC server spans (secrets never recorded: no headers, no bodies), STS calls over HTTP, Redis commands.</summary>
    public static TracerProviderBuilder AddSessionPolicySources(this TracerProviderBuilder tracing) => tracing
        .AddAspNetCoreInstrumentation()
        .AddHttpClientInstrumentation()
        .AddRedisInstrumentation()
        .ConfigureRedisInstrumentation((services, redis) =>
        {
            if (services.GetService<RedisConnection>() is { } connection) redis.AddConnection(connection.Multiplexer);
        });

    /// <summary>The service's meter (decisions, cache, sessions, logouts) and the server's request metrics.</summary>
    public static MeterProviderBuilder AddSessionPolicyMeters(this MeterProviderBuilder metrics) => metrics
        .AddMeter(DecisionMetrics.MeterName)
        .AddAspNetCoreInstrumentation();
}
