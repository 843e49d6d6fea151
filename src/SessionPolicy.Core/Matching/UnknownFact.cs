namespace SessionPolicy.Core.Matching;

/// <summary>A context fact the caller may leave out; a policy can match its absence (<c>context.unknown</c>).</summary>
public enum UnknownFact
{
    /// <summary>No client address.</summary>
    SourceIp,
    /// <summary>Not said whether MFA was used.</summary>
    Mfa,
    /// <summary>No assurance level.</summary>
    AssuranceLevel,
    /// <summary>No device trust, or the device could not be assessed.</summary>
    DeviceTrust,
    /// <summary>No environment, or one the policy does not declare.</summary>
    Environment,
    /// <summary>No network zone.</summary>
    NetworkZone,
    /// <summary>No channel.</summary>
    Channel,
    /// <summary>No risk score.</summary>
    RiskScore,
}
