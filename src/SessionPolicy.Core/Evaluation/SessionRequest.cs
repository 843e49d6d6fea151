using System.Net;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// A validated, normalised request for session limits: what the evaluator matches policy rules against.
/// Groups are de-duplicated and sorted (<see cref="NormalizeGroups"/>) so that equal
/// requests have equal cache keys. A fact the caller leaves out stays unknown (null, empty or
/// <c>None</c>/<c>Unknown</c>) and is matched as the riskier value.
/// </summary>
public sealed record SessionRequest
{
    /// <summary>An empty attribute or tag map, shared.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoAttributes = new Dictionary<string, string>();

    /// <summary>Principal id.</summary>
    public required string PrincipalId { get; init; }

    /// <summary>Person or workload.</summary>
    public required PrincipalKind PrincipalKind { get; init; }

    /// <summary>Distinct groups (without regard to case), sorted without regard to case.</summary>
    public string[] Groups { get; init; } = [];

    /// <summary>Principal attributes.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = NoAttributes;

    /// <summary>Account of the principal's own credentials, or empty.</summary>
    public string PrincipalAccount { get; init; } = "";

    /// <summary>The parsed role ARN.</summary>
    public required RoleArn Role { get; init; }

    /// <summary>Role tags.</summary>
    public IReadOnlyDictionary<string, string> RoleTags { get; init; } = NoAttributes;

    /// <summary>The role's MaxSessionDuration in seconds, or 0 when unknown.</summary>
    public int RoleMaxSessionSeconds { get; init; }

    /// <summary>Target environment, or empty.</summary>
    public string Environment { get; init; } = "";

    /// <summary>Client address, when known.</summary>
    public IPAddress? SourceIp { get; init; }

    /// <summary>Network zone, or empty.</summary>
    public string NetworkZone { get; init; } = "";

    /// <summary>Client channel, when known.</summary>
    public ChannelKind? Channel { get; init; }

    /// <summary>Whether the sign-in used MFA; null when the caller does not say (matched as no).</summary>
    public bool? Mfa { get; init; }

    /// <summary>Assurance level of the sign-in.</summary>
    public Assurance Assurance { get; init; }

    /// <summary>What is known of the device.</summary>
    public DeviceTrustLevel DeviceTrust { get; init; } = DeviceTrustLevel.Unknown;

    /// <summary>Whether the role is in another account than the principal.</summary>
    public bool CrossAccount { get; init; }

    /// <summary>Whether the caller's credentials are themselves a role session.</summary>
    public bool RoleChaining { get; init; }

    /// <summary>Risk score 0..100, when assessed.</summary>
    public int? RiskScore { get; init; }

    /// <summary>When the principal last authenticated, when the caller says.</summary>
    public DateTimeOffset? AuthenticatedAt { get; init; }

    /// <summary>Requested session length in seconds; 0 for as long as policy allows.</summary>
    public int RequestedDurationSeconds { get; init; }

    /// <summary>De-duplicates and sorts groups, without regard to case (the first spelling of a group is kept).</summary>
    public static string[] NormalizeGroups(IEnumerable<string> groups)
    {
        var set = new SortedSet<string>(groups, StringComparer.OrdinalIgnoreCase);
        return [.. set];
    }
}
