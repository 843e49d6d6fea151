using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Receivers of logouts in the standards they speak: their settings, the catalog of them, the guarded way to call them,
/// and the deliveries. Delivering needs a signing key; without one, configured receivers stop the start and
/// registrations are refused.
/// </summary>
internal static class ReceiverRegistration
{
    public static IServiceCollection AddReceivers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReceiverOptions>().BindConfiguration(ReceiverOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ReceiverSecrets>();
        services.AddSingleton<ReceiverCatalog>();
        var signing = configuration.GetSection(SecurityEventTokenOptions.Section).Get<SecurityEventTokenOptions>() is { IsConfigured: true };
        if (!signing)
        {
            if (configuration.GetSection(ReceiverOptions.Section).Get<ReceiverOptions>() is { List.Count: > 0 })
            {
                throw new StartupFailure($"{ReceiverOptions.Section}:List needs a signing key for the tokens it sends: set {SecurityEventTokenOptions.Section}:KeyFile and :Issuer");
            }
            return services;
        }
        services.AddSingleton<IReceiverResolver, DnsReceiverResolver>();
        services.AddSingleton<ReceiverHttp>();
        services.AddSingleton<ReceiverMetrics>();
        static string Issuer(IServiceProvider sp) => sp.GetRequiredService<IOptions<SecurityEventTokenOptions>>().Value.Issuer;
        services.AddSingleton(sp => new LogoutTokens(Issuer(sp), sp.GetRequiredService<SigningKeys>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SharedSignalTokens(Issuer(sp), sp.GetRequiredService<SigningKeys>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReceiverMessages>();
        services.AddSingleton<SharedSignalsPoll>();
        services.AddHostedService<ReceiverDeliveries>();
        return services;
    }
}
