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
    /// <summary>Groups, any of, without regard to case.</summary>
    public string[]? Groups { get; init; }
    /// <summary>Principal attributes, all of (exact values).</summary>
    public KeyValuePair<string, string>[]? Attributes { get; init; }
    /// <summary>Role ARN patterns, any of.</summary>
    public ArnGlob[]? RoleArns { get; init; }
    /// <summary>Role accounts, any of.</summary>
    public string[]? Accounts { get; init; }
    /// <summary>Role tags, all of (exact values).</summary>
    public KeyValuePair<string, string>[]? RoleTags { get; init; }
    /// <summary>Environments, any of: declared names (aliases resolved), compared without regard to case.</summary>
    public string[]? Environments { get; init; }
    /// <summary>Source networks, any of; an unknown source address is in none of them.</summary>
    public IPNetwork[]? SourceCidrs { get; init; }
    /// <summary>Networks the source address must be outside of; an unknown source address counts as outside (untrusted).</summary>
    public IPNetwork[]? OutsideCidrs { get; init; }
    /// <summary>Network zones, any of, without regard to case.</summary>
    public string[]? NetworkZones { get; init; }
    /// <summary>Channels, any of.</summary>
    public ChannelKind[]? Channels { get; init; }
    /// <summary>MFA used (true), or not used or not known (false).</summary>
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
    /// <summary>Facts the request leaves unknown, any of.</summary>
    public UnknownFact[]? Unknown { get; init; }
    /// <summary>Local time windows, any of.</summary>
    public TimeWindow[]? Time { get; init; }

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
        + Count(RoleChaining) + Count(RiskAtLeast) + Count(RiskBelow) + Count(Unknown) + Count(Time);

    /// <summary>Whether every condition holds.</summary>
    public bool Matches(in RequestFacts facts) => FirstMismatch(facts) is null;

    /// <summary>
    /// Whether every condition holds but <paramref name="filedBy"/>: the rule index found the rule through the
    /// request's value for that condition, compared as the condition compares it, so it holds already.
    /// </summary>
    internal bool Matches(in RequestFacts facts, FiledBy filedBy)
    {
        var known = (Condition)filedBy;
        foreach (var condition in Conditions)
        {
            if (condition != known && !Holds(condition, facts)) return false;
        }
        return true;
    }

    /// <summary>The equality conditions the rule index files rules under, and <see cref="None"/> for a rule found otherwise.</summary>
    internal enum FiledBy
    {
        None = -1,
        PrincipalIds = Condition.PrincipalIds,
        PrincipalKind = Condition.PrincipalKind,
        Groups = Condition.Groups,
        Accounts = Condition.Accounts,
        Environments = Condition.Environments,
        NetworkZones = Condition.NetworkZones,
    }

    /// <summary>The name of the first condition that does not hold, or null when all hold. Allocates nothing.</summary>
    public string? FirstMismatch(in RequestFacts facts)
    {
        // Only the conditions this spec sets are checked: a rule with one condition costs one check.
        foreach (var condition in Conditions)
        {
            if (!Holds(condition, facts)) return Names[(int)condition];
        }
        return null;
    }

    private enum Condition
    {
        PrincipalIds, PrincipalKind, Groups, Attributes, Accounts, RoleArns, RoleTags, Environments, NetworkZones, Channels,
        Mfa, MinAssurance, BelowAssurance, DeviceTrust, CrossAccount, RoleChaining, RiskAtLeast, RiskBelow, Unknown, SourceCidrs, OutsideCidrs, Time,
    }

    private static readonly string[] Names =
    [
        "principal.ids", "principal.type", "principal.groups", "principal.attributes", "role.accounts", "role.arns", "role.tags",
        "context.environments", "context.network_zones", "context.channels", "context.mfa", "context.min_assurance",
        "context.below_assurance", "context.device_trust", "context.cross_account", "context.role_chaining",
        "context.risk_score_at_least", "context.risk_score_below", "context.unknown", "context.source_cidrs", "context.outside_cidrs",
        "context.time",
    ];

    private Condition[]? _conditions;

    /// <summary>The conditions that are set, cheapest first; computed once (the spec is immutable).</summary>
    private Condition[] Conditions => _conditions ??= [.. Enum.GetValues<Condition>().Where(IsSet)];

    private bool IsSet(Condition c) => c switch
    {
        Condition.PrincipalIds => PrincipalIds is not null,
        Condition.PrincipalKind => PrincipalKind is not null,
        Condition.Groups => Groups is not null,
        Condition.Attributes => Attributes is not null,
        Condition.Accounts => Accounts is not null,
        Condition.RoleArns => RoleArns is not null,
        Condition.RoleTags => RoleTags is not null,
        Condition.Environments => Environments is not null,
        Condition.NetworkZones => NetworkZones is not null,
        Condition.Channels => Channels is not null,
        Condition.Mfa => Mfa is not null,
        Condition.MinAssurance => MinAssurance is not null,
        Condition.BelowAssurance => BelowAssurance is not null,
        Condition.DeviceTrust => DeviceTrust is not null,
        Condition.CrossAccount => CrossAccount is not null,
        Condition.RoleChaining => RoleChaining is not null,
        Condition.RiskAtLeast => RiskAtLeast is not null,
        Condition.RiskBelow => RiskBelow is not null,
        Condition.SourceCidrs => SourceCidrs is not null,
        Condition.OutsideCidrs => OutsideCidrs is not null,
        Condition.Unknown => Unknown is not null,
        Condition.Time => Time is not null,
        _ => false,
    };

    private bool Holds(Condition c, in RequestFacts f)
    {
        var r = f.Request;
        return c switch
        {
            Condition.PrincipalIds => Array.IndexOf(PrincipalIds!, r.PrincipalId) >= 0,
            Condition.PrincipalKind => PrincipalKind == r.PrincipalKind,
            Condition.Groups => AnyGroup(Groups!, r.Groups),
            Condition.Attributes => AllPresent(Attributes!, r.Attributes),
            Condition.Accounts => Array.IndexOf(Accounts!, r.Role.Account) >= 0,
            Condition.RoleArns => AnyArn(RoleArns!, r.Role),
            Condition.RoleTags => AllPresent(RoleTags!, r.RoleTags),
            Condition.Environments => AnyName(Environments!, f.Environment),
            Condition.NetworkZones => AnyName(NetworkZones!, r.NetworkZone),
            Condition.Channels => r.Channel is { } ch && Array.IndexOf(Channels!, ch) >= 0,
            // Unknown counts as no MFA.
            Condition.Mfa => Mfa == (r.Mfa == true),
            Condition.MinAssurance => r.Assurance >= MinAssurance,
            Condition.BelowAssurance => r.Assurance < BelowAssurance,
            Condition.DeviceTrust => Array.IndexOf(DeviceTrust!, r.DeviceTrust) >= 0,
            Condition.CrossAccount => CrossAccount == r.CrossAccount,
            Condition.RoleChaining => RoleChaining == r.RoleChaining,
            Condition.RiskAtLeast => r.RiskScore >= RiskAtLeast,
            Condition.RiskBelow => r.RiskScore < RiskBelow,
            Condition.Unknown => AnyUnknown(Unknown!, f),
            Condition.SourceCidrs => r.SourceIp is { } ip && InAny(SourceCidrs!, ip),
            // An address that is not known is not known to be inside.
            Condition.OutsideCidrs => r.SourceIp is not { } src || !InAny(OutsideCidrs!, src),
            Condition.Time => AnyWindow(Time!, f.At),
            _ => false,
        };
    }

    private static int Count<T>(T? value) => value is null ? 0 : 1;

    private static bool AnyGroup(string[] wanted, string[] have)
    {
        foreach (var g in wanted)
        {
            if (Array.BinarySearch(have, g, StringComparer.OrdinalIgnoreCase) >= 0) return true;
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

    private static bool AnyName(string[] names, string value)
    {
        if (value.Length == 0) return false;
        foreach (var n in names)
        {
            if (string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static bool AnyUnknown(UnknownFact[] facts, in RequestFacts f)
    {
        foreach (var fact in facts)
        {
            if (f.IsUnknown(fact)) return true;
        }
        return false;
    }

    private static bool AnyWindow(TimeWindow[] windows, DateTimeOffset at)
    {
        foreach (var w in windows)
        {
            if (w.Contains(at)) return true;
        }
        return false;
    }

    private static bool AnyArn(ArnGlob[] patterns, RoleArn arn)
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
