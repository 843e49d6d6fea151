using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Credentials;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Signals;
using SessionPolicy.Server.Signals.Stores;

namespace SessionPolicy.Server.Hosting;

/// <summary>Wires the service: options, policy, decisions, gRPC services, health and reflection.</summary>
public static class SessionPolicyExtensions
{
    /// <summary>Health service name that reports whether the process is alive.</summary>
    public const string LivenessService = "liveness";

    /// <summary>Health service name that reports whether the process can serve decisions.</summary>
    public const string ReadinessService = "readiness";

    /// <summary>Health service name that reports the shared store (Redis), when one is configured.</summary>
    public const string RedisService = "redis";

    /// <summary>Registers everything the service needs.</summary>
    public static WebApplicationBuilder AddSessionPolicy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DecisionCacheOptions>().BindConfiguration(DecisionCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<PolicyStore>();
        services.AddHostedService<PolicyReloadService>();
        services.AddSingleton<DecisionCache>();
        services.AddSingleton<DecisionService>();
        services.AddSingleton<DecisionMetrics>();
        services.AddSingleton<SessionMetrics>();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddHostedService(sp => sp.GetRequiredService<Audit.AuditTrail>());
        services.AddOptions<SignalOptions>().BindConfiguration(SignalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PrincipalGenerations>();
        services.AddSingleton<InMemoryPrincipalStates>();
        services.AddSingleton<SignalService>();
        services.AddOptions<SessionLifecycleOptions>().BindConfiguration(SessionLifecycleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<LogoutFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<LogoutFeed>());
        services.AddSingleton<LogoutStreamer>();
        services.AddHostedService<SessionSweeper>();
        services.AddSingleton<PolicyEnforcer>();
        services.AddOptions<SecurityEventTokenOptions>().BindConfiguration(SecurityEventTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetSection(SecurityEventTokenOptions.Section).Get<SecurityEventTokenOptions>() is { IsConfigured: true })
        {
            services.AddSingleton<SecurityEventTokens>();
        }
        services.AddOptions<StsOptions>().BindConfiguration(StsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (builder.Configuration.GetSection(StsOptions.Section).Get<StsOptions>() is { IsConfigured: true })
        {
            // Tests and operators may register their own client or credentials first.
            services.TryAddSingleton(sp => StsClientFactory.Create(sp.GetRequiredService<IOptions<StsOptions>>().Value, sp.GetService<AWSCredentials>()));
            services.AddSingleton<StsCallerIdentity>();
            services.AddSingleton<RoleMaximums>();
            services.AddSingleton<SessionIssuer>();
        }

        services.AddOptions<LimitOptions>().BindConfiguration(LimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var limits = builder.Configuration.GetSection(LimitOptions.Section).Get<LimitOptions>() ?? new LimitOptions();
        services.AddSessionPolicyRateLimits(limits);
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddCallerAuthentication(builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions());
        // Interceptors registered as singletons are made once, not for every call.
        services.AddSingleton<UnhandledExceptionInterceptor>();
        services.AddSingleton<AuthorizationInterceptor>();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<UnhandledExceptionInterceptor>();
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.MaxReceiveMessageSize = limits.MaxMessageBytes;
            o.MaxSendMessageSize = limits.MaxMessageBytes;
        });
        services.AddGrpcReflection();
        services.AddHealthChecks()
            .AddCheck(LivenessService, () => HealthCheckResult.Healthy("process is running"), tags: [LivenessService])
            .AddCheck<PolicyHealthCheck>("policy", tags: [ReadinessService]);
        var shared = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() is { IsConfigured: true };
        if (!shared) services.AddSingleton<ISessionStore, InMemorySessionStore>();
        if (shared)
        {
            services.AddSingleton<RedisConnection>();
            services.AddSingleton<SharedDecisionCache>();
            services.AddSingleton<ISessionStore, RedisSessionStore>();
            services.AddHealthChecks().AddCheck<RedisHealthCheck>(RedisService, tags: [RedisService]);
        }
        services.AddGrpcHealthChecks(o =>
        {
            // The overall status and readiness leave the shared store out: a Redis outage degrades
            // decisions, it does not stop them.
            o.Services.Map("", r => !r.Tags.Contains(RedisService));
            o.Services.Map(LivenessService, r => r.Tags.Contains(LivenessService));
            o.Services.Map(ReadinessService, r => r.Tags.Contains(ReadinessService));
            o.Services.Map(V1.SessionPolicyService.Descriptor.FullName, r => r.Tags.Contains(ReadinessService));
            if (shared) o.Services.Map(RedisService, r => r.Tags.Contains(RedisService));
        });
        return builder;
    }

    /// <summary>Maps the gRPC services, health and reflection.</summary>
    public static WebApplication MapSessionPolicy(this WebApplication app)
    {
        // Resolve the policy now, so a bad policy stops start-up with its errors instead of the first call.
        app.Services.GetRequiredService<PolicyStore>();
        // And the decision path, so that in shared mode the invalidation channel is listened to from the start.
        app.Services.GetRequiredService<DecisionService>();
        // And the enforcer, so every policy loaded from now on is applied to running sessions.
        app.Services.GetRequiredService<PolicyEnforcer>();
        // And the caller checks, so unreadable keys or CA certificates stop start-up too.
        app.Services.GetRequiredService<CallerAuthorization>();
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        AuthenticationExtensions.CheckUnauthenticatedBinding(app, auth);
        if (app.Services.GetRequiredService<IOptions<LimitOptions>>().Value.Permits > 0) app.UseRateLimiter();
        app.MapGrpcService<SessionPolicyGrpcService>();
        app.MapGrpcService<SessionCredentialsGrpcService>();
        app.MapGrpcService<SessionEventsGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}
