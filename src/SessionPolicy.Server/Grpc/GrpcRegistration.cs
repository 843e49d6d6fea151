using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// The gRPC plumbing: every service bound through the guarded method provider, the edge interceptors (failures
/// mapped, callers authorized), message size limits, bounded gzip, reflection and the request-frame check; JSON transcoding and gRPC-Web for HTTP/1.1 clients (<see cref="HttpClientAccess"/>).
/// </summary>
internal static class GrpcRegistration
{
    public static IServiceCollection AddServiceGrpc(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(LimitOptions.Section).Get<LimitOptions>() ?? new LimitOptions();
        services.AddSingleton<MalformedRequests>();
        services.AddSingleton<RequestClock>();
        // The gRPC server logs every refused call at Information, a refused frame with its stack trace: a bad request
        // is a debug line of the service's own and a count (MalformedRequests), so only its warnings and errors stay.
        services.AddLogging(logging => logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning));
        // Interceptors registered as singletons are made once, not for every call.
        services.AddSingleton<FailureInterceptor>();
        var grpc = services.AddGrpc(o =>
        {
            o.Interceptors.Add<FailureInterceptor>();
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.MaxReceiveMessageSize = limits.MaxMessageBytes;
            o.MaxSendMessageSize = limits.MaxMessageBytes;
        });
        services.AddSingleton<IConfigureOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>>(sp => new ConfigureOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>(o =>
        {
            o.CompressionProviders = [new GuardedGzipProvider(limits.MaxMessageBytes, sp.GetRequiredService<MalformedRequests>())];
        }));
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(o =>
        {
            // The overall status and readiness leave the shared store out: a Redis outage degrades
            // decisions, it does not stop them.
            o.Services.Map("", r => !r.Tags.Contains(HealthNames.Redis));
            o.Services.Map(HealthNames.Liveness, r => r.Tags.Contains(HealthNames.Liveness));
            o.Services.Map(HealthNames.Readiness, r => r.Tags.Contains(HealthNames.Readiness));
            o.Services.Map(V1.SessionPolicyService.Descriptor.FullName, r => r.Tags.Contains(HealthNames.Readiness));
            o.Services.Map(HealthNames.Redis, r => r.Tags.Contains(HealthNames.Redis));
        });
        services.AddHealthChecks().AddCheck(HealthNames.Liveness, () => HealthCheckResult.Healthy("process is running"), tags: [HealthNames.Liveness]);
        // One way every method is bound: replace the default provider (after everything that adds it), keeping
        // its behaviour and guarding parsing.
        services.AddHttpClientAccess(configuration);
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>)));
        // JSON transcoding binds its own routes beside them (POST /v1/..., on the HTTP port only: HttpClientAccess).
        grpc.AddJsonTranscoding(o =>
        {
            o.JsonSettings = HttpClientAccess.JsonSettings;
            o.TypeRegistry = HttpClientAccess.ErrorDetails;
        });
        return services;
    }

    /// <summary>Puts the request-frame check in front of the gRPC endpoints.</summary>
    public static IApplicationBuilder UseGrpcFrameCheck(this IApplicationBuilder app)
    {
        var malformed = app.ApplicationServices.GetRequiredService<MalformedRequests>();
        return app.Use(next => FramedRequestBody.Middleware(next, malformed));
    }
}
