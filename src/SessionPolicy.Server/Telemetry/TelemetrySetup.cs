using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Redis;

namespace SessionPolicy.Server.Telemetry;

/// <summary>
/// OpenTelemetry traces (gRPC server spans, with Redis and STS client spans beneath), metrics (the
/// service's meter and the server's own) and logs, exported over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables name an endpoint; each signal is exported when the general
/// endpoint or its own is set; with <c>SessionPolicy:Metrics:Prometheus</c> true, the metrics (with the runtime's own,
/// meter <c>System.Runtime</c>) are also served for Prometheus at <c>/metrics</c> on the HTTP port. Unset, nothing is
/// collected, and recording costs next to nothing.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The default service name; <c>OTEL_SERVICE_NAME</c> overrides it.</summary>
    public const string ServiceName = "session-policy";

    /// <summary>Set true to serve the metrics for Prometheus at <c>/metrics</c> on the HTTP port (<c>SessionPolicy:Http:Url</c>).</summary>
    public const string PrometheusKey = "SessionPolicy:Metrics:Prometheus";

    /// <summary>Where Prometheus scrapes, on the HTTP port only.</summary>
    public const string PrometheusPath = "/metrics";

    public static WebApplicationBuilder AddSessionPolicyTelemetry(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        bool Endpoint(string signal) => !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(config[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);
        var (traces, metrics, logs) = (Endpoint("TRACES"), Endpoint("METRICS"), Endpoint("LOGS"));
        var prometheus = PrometheusEnabled(config);
        if (!traces && !metrics && !logs && !prometheus) return builder;

        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(ServiceName, serviceVersion: ServiceVersion.Current));
        if (traces) otel.WithTracing(t => t.AddSessionPolicySources().AddOtlpExporter());
        if (metrics || prometheus)
        {
            otel.WithMetrics(m =>
            {
                m.AddSessionPolicyMeters().AddMeter("System.Runtime");
                if (metrics) m.AddOtlpExporter();
                if (prometheus) m.AddPrometheusExporter();
            });
        }
        if (logs) otel.WithLogging(l => l.AddOtlpExporter());
        if (prometheus) builder.Services.AddSingleton<PrometheusScrape>();
        return builder;
    }

    /// <summary>Whether <c>/metrics</c> is asked for; it needs the HTTP port, and a value that is not a boolean is refused.</summary>
    private static bool PrometheusEnabled(IConfiguration config)
    {
        var value = config[PrometheusKey];
        if (string.IsNullOrWhiteSpace(value)) return false;
        if (!bool.TryParse(value, out var enabled)) throw new StartupFailure($"{PrometheusKey} '{value}' must be true or false");
        if (enabled && string.IsNullOrWhiteSpace(config[HttpPort.UrlKey]))
        {
            throw new StartupFailure($"{PrometheusKey} serves /metrics on the HTTP port: set {HttpPort.UrlKey} too, such as http://127.0.0.1:5081");
        }
        return enabled;
    }

    /// <summary>Serves <c>/metrics</c> where <paramref name="onHttpPort"/> holds, when Prometheus is enabled.</summary>
    internal static void UsePrometheusScrape(this WebApplication app, Func<HttpContext, bool> onHttpPort)
    {
        if (app.Services.GetService<PrometheusScrape>() is null) return;
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == PrometheusPath && onHttpPort(context),
            path: null,
            configureBranchedPipeline: null,
            optionsName: null);
    }

    /// <summary>Marks that <c>/metrics</c> is served.</summary>
    private sealed class PrometheusScrape;

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
