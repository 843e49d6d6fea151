using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Decisions;

/// <summary>Decisions: the cache and its settings, the decision path, its metrics, and emptying the cache when nothing in it may be served.</summary>
internal static class DecisionRegistration
{
    public static IServiceCollection AddDecisions(this IServiceCollection services)
    {
        services.AddOptions<DecisionCacheOptions>().BindConfiguration(DecisionCacheOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DecisionCache>();
        services.AddSingleton<DecisionService>();
        services.AddSingleton<DecisionMetrics>();
        services.AddSingleton<DecisionInvalidation>().AddStartupTask<DecisionInvalidation>();
        return services;
    }
}
