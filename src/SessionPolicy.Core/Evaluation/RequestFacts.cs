using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// What rules are matched against: the request, its environment as the policy reads it, and the instant of
/// the decision (for time windows). Built once per decision, on the stack.
/// </summary>
public readonly struct RequestFacts(SessionRequest request, string environment, EnvironmentResolution resolution, DateTimeOffset at)
{
    /// <summary>The request.</summary>
    public SessionRequest Request { get; } = request;

    /// <summary>The declared environment it resolved to, the name as given, or empty when unknown.</summary>
    public string Environment { get; } = environment;

    /// <summary>How the environment was resolved.</summary>
    public EnvironmentResolution Resolution { get; } = resolution;

    /// <summary>When the decision is made.</summary>
    public DateTimeOffset At { get; } = at;

    /// <summary>Whether the request leaves <paramref name="fact"/> unknown.</summary>
    public bool IsUnknown(UnknownFact fact) => fact switch
    {
        UnknownFact.SourceIp => Request.SourceIp is null,
        UnknownFact.Mfa => Request.Mfa is null,
        UnknownFact.AssuranceLevel => Request.Assurance == Assurance.None,
        UnknownFact.DeviceTrust => Request.DeviceTrust == DeviceTrustLevel.Unknown,
        UnknownFact.Environment => Environment.Length == 0 || Resolution is EnvironmentResolution.Missing or EnvironmentResolution.Undeclared,
        UnknownFact.NetworkZone => Request.NetworkZone.Length == 0,
        UnknownFact.Channel => Request.Channel is null,
        UnknownFact.RiskScore => Request.RiskScore is null,
        _ => true,
    };
}
