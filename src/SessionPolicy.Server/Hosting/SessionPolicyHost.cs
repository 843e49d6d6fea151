using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Credentials;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Revocation;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Signals;
using SessionPolicy.Server.Ssm;

namespace SessionPolicy.Server.Hosting;

/// <summary>Puts the service together: one registration per feature, and the endpoints.</summary>
public static class SessionPolicyHost
{
    /// <summary>Registers everything the service needs. Start-up work runs first, in the order registered here.</summary>
    public static WebApplicationBuilder AddSessionPolicy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<StartupTasks>();
        services.AddPolicies();
        builder.AddCallerSecurity();
        services.AddAudit();
        services.AddSharedState(configuration);
        services.AddSignals();
        services.AddDecisions();
        services.AddSessions(configuration);
        services.AddReceivers(configuration);
        services.AddCredentials(configuration);
        services.AddRevocation(configuration);
        services.AddSsm(configuration);
        services.AddServiceGrpc(configuration);
        builder.AddHttpPort();
        return builder;
    }

    /// <summary>
    /// Does the start-up work before anything serves: validates every setting, then runs each start-up task in
    /// the order registered (load the policy, check key files, listen to the shared store, hook features to
    /// policy changes), then checks what the service would listen on. A failure throws (see <see cref="StartupFailure"/>).
    /// </summary>
    public static WebApplication StartSessionPolicy(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        app.Services.GetRequiredService<StartupTasks>().StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        CallerSecurityRegistration.CheckUnauthenticatedBinding(app, app.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        return app;
    }

    /// <summary>Maps the gRPC services, health and reflection, behind the rate limits and the frame check.</summary>
    public static WebApplication MapSessionPolicy(this WebApplication app)
    {
        var binding = app.Services.GetRequiredService<BindingGuard>();
        app.Use((context, next) => binding.Checked ? next(context) : binding.RefuseAsync(context));
        if (app.Services.GetRequiredService<IOptions<LimitOptions>>().Value.Permits > 0) app.UseRateLimiter();
        app.UseHttpPort();
        app.UseGrpcFrameCheck();
        app.MapGrpcService<SessionPolicyGrpcService>();
        app.MapGrpcService<SessionCredentialsGrpcService>();
        app.MapGrpcService<SessionEventsGrpcService>();
        app.MapGrpcService<ReceiversGrpcService>();
        app.MapGrpcService<SessionManagerGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHttpPort();
        return app;
    }
}
