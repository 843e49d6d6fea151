using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Policies;

/// <summary>The policy: its settings, loading it at start (first of all start-up work), reloading it, and its readiness check.</summary>
internal static class PolicyRegistration
{
    public static IServiceCollection AddPolicies(this IServiceCollection services)
    {
        services.AddOptions<PolicyOptions>().BindConfiguration(PolicyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PolicyStore>().AddStartupTask<PolicyStore>();
        services.AddSingleton<PolicyMetrics>().AddStartupTask<PolicyMetrics>();
        services.AddHostedService<PolicyReloadService>();
        services.AddHealthChecks().AddCheck<PolicyHealthCheck>("policy", tags: [HealthNames.Readiness]);
        return services;
    }
}
