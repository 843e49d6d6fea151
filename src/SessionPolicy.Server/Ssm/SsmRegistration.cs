using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Ssm;

/// <summary>Session Manager governed by the policy when <c>SessionPolicy:Ssm:Enabled</c> is set: the regions' clients, the preferences keeper, the session watcher, their metrics.</summary>
internal static class SsmRegistration
{
    public static IServiceCollection AddSsm(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SsmOptions>().BindConfiguration(SsmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configuration.GetSection(SsmOptions.Section).Get<SsmOptions>() is not { Enabled: true }) return services;
        // Tests and operators may register their own credentials first.
        services.AddSingleton(sp =>
        {
            var credentials = sp.GetService<AWSCredentials>() ?? DefaultAWSCredentialsIdentityResolver.GetCredentials();
            return new SsmFleet(sp.GetRequiredService<IOptions<SsmOptions>>().Value, credentials,
                () => Credentials.StsClientFactory.Create(sp.GetRequiredService<IOptions<Credentials.StsOptions>>().Value, credentials));
        });
        services.AddSingleton<SsmMetrics>();
        services.AddSingleton<SsmPreferencesKeeper>();
        services.AddHostedService(sp => sp.GetRequiredService<SsmPreferencesKeeper>());
        services.AddSingleton<SsmSessionWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<SsmSessionWatcher>());
        return services;
    }
}
