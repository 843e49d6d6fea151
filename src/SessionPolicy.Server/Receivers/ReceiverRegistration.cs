using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;

namespace SessionPolicy.Server.Receivers;

/// <summary>Receivers of logouts in the standards they speak: their settings, the guarded way to call them, and the deliveries.</summary>
internal static class ReceiverRegistration
{
    public static IServiceCollection AddReceivers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReceiverOptions>().BindConfiguration(ReceiverOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configuration.GetSection(ReceiverOptions.Section).Get<ReceiverOptions>() is not { List.Count: > 0 }) return services;
        if (configuration.GetSection(SecurityEventTokenOptions.Section).Get<SecurityEventTokenOptions>() is not { IsConfigured: true })
        {
            throw new StartupFailure($"{ReceiverOptions.Section}:List needs a signing key for the tokens it sends: set {SecurityEventTokenOptions.Section}:KeyFile and :Issuer");
        }
        services.AddSingleton<IReceiverResolver, DnsReceiverResolver>();
        services.AddSingleton<ReceiverHttp>();
        services.AddSingleton<ReceiverMetrics>();
        services.AddSingleton(sp => new LogoutTokens(sp.GetRequiredService<IOptions<SecurityEventTokenOptions>>().Value.Issuer, sp.GetRequiredService<SigningKeys>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<ReceiverDeliveries>();
        return services;
    }
}
