namespace SessionPolicy.Server.Signals;

/// <summary>Risk signals and revocations: their settings, the per-principal change counts decisions are cached under, and reporting.</summary>
internal static class SignalRegistration
{
    public static IServiceCollection AddSignals(this IServiceCollection services)
    {
        services.AddOptions<SignalOptions>().BindConfiguration(SignalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PrincipalGenerations>();
        services.AddSingleton<SeenStates>();
        services.AddSingleton<SignalService>();
        return services;
    }
}
