using System.Net;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Core.Matching;

/// <summary>
/// The conditions of a profile or guardrail. Every condition that is set must hold; a list condition
/// holds when any of its values does. An empty spec matches every request.
/// </summary>
public sealed record MatchSpec
{
    /// <summary>Matches every request.</summary>
    public static readonly MatchSpec Any = new();

    /// <summary>Principal ids, any of.</summary>
    public string[]? PrincipalIds { get; init; }
    /// <summary>Principal type.</summary>
    public PrincipalKind? PrincipalKind { get; init; }
    /// <summary>Groups, any of.</summary>
    public string[]? Groups { get; init; }
    /// <summary>Principal attributes, all of (exact values).</summary>
    public KeyValuePair<string, string>[]? Attributes { get; init; }
    /// <summary>Role ARN patterns, any of.</summary>
    public ArnGlob[]? RoleArns { get; init; }
    /// <summary>Role accounts, any of.</summary>
    public string[]? Accounts { get; init; }
    /// <summary>Role tags, all of (exact values).</summary>
    public KeyValuePair<string, string>[]? RoleTags { get; init; }
    /// <summary>Environments, any of.</summary>
    public string[]? Environments { get; init; }
    /// <summary>Source networks, any of; an unknown source address does not match.</summary>
    public IPNetwork[]? SourceCidrs { get; init; }
    /// <summary>Networks a known source address must be outside of; an unknown source address does not match.</summary>
    public IPNetwork[]? OutsideCidrs { get; init; }
    /// <summary>Network zones, any of.</summary>
    public string[]? NetworkZones { get; init; }
    /// <summary>Channels, any of.</summary>
    public ChannelKind[]? Channels { get; init; }
    /// <summary>MFA used (true) or not used or unknown (false).</summary>
    public bool? Mfa { get; init; }
    /// <summary>Assurance level at least this.</summary>
    public Assurance? MinAssurance { get; init; }
    /// <summary>Assurance level below this (unknown counts as below).</summary>
    public Assurance? BelowAssurance { get; init; }
    /// <summary>Device trust levels, any of.</summary>
    public DeviceTrustLevel[]? DeviceTrust { get; init; }
    /// <summary>Cross-account or not.</summary>
    public bool? CrossAccount { get; init; }
    /// <summary>Role chaining or not.</summary>
    public bool? RoleChaining { get; init; }
    /// <summary>Risk score at least this; an unassessed risk does not match.</summary>
    public int? RiskAtLeast { get; init; }
    /// <summary>Risk score below this; an unassessed risk does not match.</summary>
    public int? RiskBelow { get; init; }

    /// <summary>
    /// How specific the spec is: one point a condition, ten for principal ids, five for exact role ARNs
    /// (two for ARN patterns). The most specific matching profile wins.
    /// </summary>
    public int Specificity =>
        (PrincipalIds is null ? 0 : 10)
        + (RoleArns is null ? 0 : RoleArns.All(a => a.IsExact) ? 5 : 2)
        + Count(PrincipalKind) + Count(Groups) + (Attributes?.Length ?? 0) + Count(Accounts) + (RoleTags?.Length ?? 0)
        + Count(Environments) + Count(SourceCidrs) + Count(OutsideCidrs) + Count(NetworkZones) + Count(Channels)
        + Count(Mfa) + Count(MinAssurance) + Count(BelowAssurance) + Count(DeviceTrust) + Count(CrossAccount)
        + Count(RoleChaining) + Count(RiskAtLeast) + Count(RiskBelow);

    /// <summary>Whether every condition holds.</summary>
    public bool Matches(SessionRequest r) => FirstMismatch(r) is null;

    /// <summary>The name of the first condition that does not hold, or null when all hold. Allocates nothing.</summary>
    public string? FirstMismatch(SessionRequest r)
    {
        if (PrincipalIds is not null && Array.IndexOf(PrincipalIds, r.PrincipalId) < 0) return "principal.ids";
        if (PrincipalKind is { } kind && kind != r.PrincipalKind) return "principal.type";
        if (Groups is not null && !AnyGroup(Groups, r.Groups)) return "principal.groups";
        if (Attributes is not null && !AllPresent(Attributes, r.Attributes)) return "principal.attributes";
        if (Accounts is not null && Array.IndexOf(Accounts, r.Role.Account) < 0) return "role.accounts";
        if (RoleArns is not null && !AnyArn(RoleArns, r.Role.Value)) return "role.arns";
        if (RoleTags is not null && !AllPresent(RoleTags, r.RoleTags)) return "role.tags";
        if (Environments is not null && Array.IndexOf(Environments, r.Environment) < 0) return "context.environments";
        if (NetworkZones is not null && Array.IndexOf(NetworkZones, r.NetworkZone) < 0) return "context.network_zones";
        if (Channels is not null && (r.Channel is not { } ch || Array.IndexOf(Channels, ch) < 0)) return "context.channels";
        if (Mfa is { } mfa && mfa != r.Mfa) return "context.mfa";
        if (MinAssurance is { } min && r.Assurance < min) return "context.min_assurance";
        if (BelowAssurance is { } below && r.Assurance >= below) return "context.below_assurance";
        if (DeviceTrust is not null && Array.IndexOf(DeviceTrust, r.DeviceTrust) < 0) return "context.device_trust";
        if (CrossAccount is { } cross && cross != r.CrossAccount) return "context.cross_account";
        if (RoleChaining is { } chaining && chaining != r.RoleChaining) return "context.role_chaining";
        if (RiskAtLeast is { } atLeast && !(r.RiskScore >= atLeast)) return "context.risk_score_at_least";
        if (RiskBelow is { } riskBelow && !(r.RiskScore < riskBelow)) return "context.risk_score_below";
        if (SourceCidrs is not null && (r.SourceIp is not { } ip || !InAny(SourceCidrs, ip))) return "context.source_cidrs";
        if (OutsideCidrs is not null && (r.SourceIp is not { } src || InAny(OutsideCidrs, src))) return "context.outside_cidrs";
        return null;
    }

    private static int Count<T>(T? value) => value is null ? 0 : 1;

    private static bool AnyGroup(string[] wanted, string[] have)
    {
        foreach (var g in wanted)
        {
            if (Array.BinarySearch(have, g, StringComparer.Ordinal) >= 0) return true;
        }
        return false;
    }

    private static bool AllPresent(KeyValuePair<string, string>[] wanted, IReadOnlyDictionary<string, string> have)
    {
        foreach (var pair in wanted)
        {
            if (!have.TryGetValue(pair.Key, out var actual) || !string.Equals(actual, pair.Value, StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private static bool AnyArn(ArnGlob[] patterns, string arn)
    {
        foreach (var p in patterns)
        {
            if (p.IsMatch(arn)) return true;
        }
        return false;
    }

    private static bool InAny(IPNetwork[] networks, IPAddress ip)
    {
        foreach (var n in networks)
        {
            if (n.Contains(ip)) return true;
        }
        return false;
    }
}
