using System.Net;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// The most favourable sign-ins of a principal: MFA, assurance AAL2 and AAL3, a managed device, a private address, no risk,
/// each channel. Guardrails only shorten, so across these the policy shows what it grants a principal signed in as it
/// should be (the longest is the most it ever grants; the shortest is what every such sign-in gets at least).
/// </summary>
public static class SignIns
{
    private static readonly IPAddress PrivateAddress = IPAddress.Parse("10.0.0.1");
    private static readonly Assurance[] Assurances = [Assurance.Aal2, Assurance.Aal3];
    private static readonly ChannelKind[] Channels = [ChannelKind.Web, ChannelKind.Cli, ChannelKind.Api];

    public static IEnumerable<SessionRequest> Favourable(string principal, PrincipalKind kind, RoleArn role, IReadOnlyDictionary<string, string> roleTags, string environment)
    {
        foreach (var assurance in Assurances)
        {
            foreach (var channel in Channels)
            {
                yield return new SessionRequest
                {
                    PrincipalId = principal, PrincipalKind = kind, Role = role, RoleTags = roleTags, Environment = environment,
                    PrincipalAccount = role.Account, Mfa = true, Assurance = assurance, DeviceTrust = DeviceTrustLevel.Managed, SourceIp = PrivateAddress,
                    Channel = channel, RiskScore = 0,
                };
            }
        }
    }
}
