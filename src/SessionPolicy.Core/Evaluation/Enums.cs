namespace SessionPolicy.Core.Evaluation;

/// <summary>Whether a principal is a person or a workload.</summary>
public enum PrincipalKind { Human = 1, Service = 2 }

/// <summary>The kind of client a session is for.</summary>
public enum ChannelKind { Web = 1, Mobile = 2, Api = 3, Cli = 4 }

/// <summary>NIST SP 800-63B authenticator assurance level; <see cref="None"/> when not known.</summary>
public enum Assurance { None = 0, Aal1 = 1, Aal2 = 2, Aal3 = 3 }

/// <summary>What is known of the device a session runs on.</summary>
public enum DeviceTrustLevel { Unknown = 1, Unmanaged = 2, Managed = 3 }

/// <summary>What the caller must do with a session request, in rising severity.</summary>
public enum Outcome : byte { Allow = 1, Reauthenticate = 2, Deny = 3 }

/// <summary>What bound a decided number.</summary>
public enum Constraint : byte
{
    /// <summary>The matched profile's own value.</summary>
    Profile = 1,
    /// <summary>A guardrail shortened it.</summary>
    Guardrail = 2,
    /// <summary>The caller asked for less.</summary>
    Requested = 3,
    /// <summary>Raised to the STS minimum.</summary>
    StsMinimum = 4,
    /// <summary>Cut to the STS maximum.</summary>
    StsMaximum = 5,
    /// <summary>Cut to the role's MaxSessionDuration.</summary>
    RoleMaximum = 6,
    /// <summary>Cut to the role-chaining limit.</summary>
    RoleChaining = 7,
    /// <summary>Cut to the policy's absolute maximum.</summary>
    PolicyMaximum = 8,
    /// <summary>An idle timeout cut to the session length.</summary>
    SessionLength = 9,
}
