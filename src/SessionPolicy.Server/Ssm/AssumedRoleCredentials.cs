using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace SessionPolicy.Server.Ssm;

/// <summary>
/// Credentials of a role in another account, for that account's Session Manager: assumed through the service's STS client
/// (its endpoint, retries and timeouts) with the service's own credentials, for an hour, and assumed again five minutes
/// before they expire. Never logged.
/// </summary>
internal sealed class AssumedRoleCredentials(IAmazonSecurityTokenService sts, string roleArn) : RefreshingAWSCredentials
{
    public const string SessionName = "session-policy-ssm";

    protected override CredentialsRefreshState GenerateNewCredentials() => GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        PreemptExpiryTime = TimeSpan.FromMinutes(5);
        var answer = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = SessionName, DurationSeconds = 3600 });
        var c = answer.Credentials;
        return new CredentialsRefreshState(new ImmutableCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken), c.Expiration ?? DateTime.UtcNow.AddMinutes(15));
    }
}
