using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Credentials;

/// <summary>IssueSession through AWS STS when <c>SessionPolicy:Sts</c> is set; otherwise an issuer that refuses, saying which setting to set.</summary>
internal static class CredentialRegistration
{
    public static IServiceCollection AddCredentials(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StsOptions>().BindConfiguration(StsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (configuration.GetSection(StsOptions.Section).Get<StsOptions>() is not { IsConfigured: true })
        {
            services.AddSingleton<ISessionIssuer, UnconfiguredSessionIssuer>();
            return services;
        }
        // Tests and operators may register their own client or credentials first.
        services.TryAddSingleton(sp => StsClientFactory.Create(sp.GetRequiredService<IOptions<StsOptions>>().Value, sp.GetService<AWSCredentials>()));
        services.AddSingleton<StsCallerIdentity>();
        services.AddSingleton<ISessionIssuer, SessionIssuer>();
        return services;
    }
}
