using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Sessions;

/// <summary>Sessions and logouts: settings, the lifecycle, the sweeper, applying new policies, the logout feed and streams, and CAEP tokens when a signing key is set.</summary>
internal static class SessionRegistration
{
    public static IServiceCollection AddSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SessionLifecycleOptions>().BindConfiguration(SessionLifecycleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityEventTokenOptions>().BindConfiguration(SecurityEventTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configuration.GetSection(SecurityEventTokenOptions.Section).Get<SecurityEventTokenOptions>() is { IsConfigured: true })
        {
            services.AddSingleton<SigningKeys>().AddStartupTask<SigningKeys>();
            services.AddSingleton<SecurityEventTokens>();
        }
        services.AddSingleton<SessionMetrics>();
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<PolicyEnforcer>().AddStartupTask<PolicyEnforcer>();
        services.AddSingleton<LogoutFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<LogoutFeed>());
        services.AddSingleton<LogoutStreamer>();
        services.AddHostedService<SessionSweeper>();
        return services;
    }
}
