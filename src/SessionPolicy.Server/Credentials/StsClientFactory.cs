using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;

namespace SessionPolicy.Server.Credentials;

/// <summary>Builds the STS client from <see cref="StsOptions"/>: region or endpoint, retries and timeouts.</summary>
internal static class StsClientFactory
{
    /// <summary>Signing region when only an endpoint is configured.</summary>
    public const string DefaultRegion = "us-east-1";

    /// <summary>
    /// The client; <paramref name="credentials"/> null takes the SDK's default chain (environment,
    /// shared profile, web identity, container or instance role).
    /// </summary>
    public static IAmazonSecurityTokenService Create(StsOptions options, AWSCredentials? credentials)
    {
        var config = new AmazonSecurityTokenServiceConfig
        {
            RetryMode = options.RetryMode,
            MaxErrorRetry = options.MaxErrorRetry,
            Timeout = options.Timeout,
            HttpClientFactory = new StsAttempts.Factory(),
        };
        var region = options.Region.Length > 0 ? options.Region : DefaultRegion;
        if (options.ServiceUrl.Length > 0)
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        return credentials is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(credentials, config);
    }
}
