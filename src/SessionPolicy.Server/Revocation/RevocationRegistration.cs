using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// Revocation of issued AWS credentials when <c>SessionPolicy:Revocation:Enabled</c> is set: the IAM client, the revoker and
/// its metrics. The ledger is registered with the other stores (in memory or Redis).
/// </summary>
internal static class RevocationRegistration
{
    public static IServiceCollection AddRevocation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RevocationOptions>().BindConfiguration(RevocationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RevocationView>();
        if (configuration.GetSection(RevocationOptions.Section).Get<RevocationOptions>() is not { Enabled: true }) return services;
        // Tests and operators may register their own IAM client or credentials first.
        services.TryAddSingleton<IIamRolePolicies>(sp => new IamQueryClient(sp.GetRequiredService<IOptions<RevocationOptions>>().Value,
            sp.GetService<AWSCredentials>() ?? DefaultAWSCredentialsIdentityResolver.GetCredentials()));
        services.AddSingleton<RevocationMetrics>();
        services.AddHostedService<CredentialRevoker>();
        return services;
    }
}
