using System.Net;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Sure answers about what conditions match: whether one spec matches every request another does, and
/// whether a spec can match at all. False means "not sure", so a warning built on it is never wrong.
/// </summary>
internal static class MatchImplication
{
    /// <summary>Whether <paramref name="wider"/> matches every request that <paramref name="narrower"/> matches.</summary>
    public static bool Covers(MatchSpec wider, MatchSpec narrower)
    {
        var q = wider;
        var p = narrower;
        return Subset(p.PrincipalIds, q.PrincipalIds, StringComparer.Ordinal)
            && Same(p.PrincipalKind, q.PrincipalKind)
            && Subset(p.Groups, q.Groups, StringComparer.OrdinalIgnoreCase)
            && Includes(q.Attributes, p.Attributes)
            && Subset(p.Accounts, q.Accounts, StringComparer.Ordinal)
            && (q.RoleArns is null || p.RoleArns is not null && p.RoleArns.All(a => q.RoleArns.Any(b => b.Covers(a))))
            && Includes(q.RoleTags, p.RoleTags)
            && Subset(p.Environments, q.Environments, StringComparer.OrdinalIgnoreCase)
            && Subset(p.NetworkZones, q.NetworkZones, StringComparer.OrdinalIgnoreCase)
            && Subset(p.Channels, q.Channels, EqualityComparer<Evaluation.ChannelKind>.Default)
            && Same(p.Mfa, q.Mfa)
            && (q.MinAssurance is null || p.MinAssurance >= q.MinAssurance)
            && (q.BelowAssurance is null || p.BelowAssurance <= q.BelowAssurance)
            && Subset(p.DeviceTrust, q.DeviceTrust, EqualityComparer<Evaluation.DeviceTrustLevel>.Default)
            && Same(p.CrossAccount, q.CrossAccount)
            && Same(p.RoleChaining, q.RoleChaining)
            && (q.RiskAtLeast is null || p.RiskAtLeast >= q.RiskAtLeast)
            && (q.RiskBelow is null || p.RiskBelow <= q.RiskBelow)
            && Subset(p.Unknown, q.Unknown, EqualityComparer<UnknownFact>.Default)
            && (q.SourceCidrs is null || p.SourceCidrs is not null && p.SourceCidrs.All(a => q.SourceCidrs.Any(b => Within(a, b))))
            && (q.OutsideCidrs is null || p.OutsideCidrs is not null && q.OutsideCidrs.All(b => p.OutsideCidrs.Any(a => Within(b, a))))
            && Subset(p.Time, q.Time, EqualityComparer<TimeWindow>.Default);
    }

    /// <summary>Why the spec can match no request, or null when it may match.</summary>
    public static string? NeverMatches(MatchSpec s, EnvironmentTable environments)
    {
        if (s.Unknown is { } unknown && unknown.All(f => Known(s, f) is not null))
        {
            return $"context.unknown lists only facts that its other conditions require to be known ({string.Join(", ", unknown.Select(f => Known(s, f)))})";
        }
        if (environments.IsDeclared && s.Environments is { } envs && envs.All(e => environments.Find(e) is null))
        {
            return $"context.environments names only environments the policy does not declare ({string.Join(", ", envs)}); requests are read as declared environments";
        }
        return null;
    }

    /// <summary>The condition of <paramref name="s"/> that holds only when <paramref name="fact"/> is known, if any.</summary>
    private static string? Known(MatchSpec s, UnknownFact fact) => fact switch
    {
        UnknownFact.SourceIp when s.SourceCidrs is not null => "source_cidrs",
        UnknownFact.Mfa when s.Mfa == true => "mfa: true",
        UnknownFact.AssuranceLevel when s.MinAssurance is not null => "min_assurance",
        UnknownFact.DeviceTrust when s.DeviceTrust is { } d && !d.Contains(Evaluation.DeviceTrustLevel.Unknown) => "device_trust",
        UnknownFact.NetworkZone when s.NetworkZones is not null => "network_zones",
        UnknownFact.Channel when s.Channels is not null => "channels",
        UnknownFact.RiskScore when s.RiskAtLeast is not null || s.RiskBelow is not null => "risk_score_*",
        _ => null,
    };

    private static bool Same<T>(T? narrower, T? wider) where T : struct => wider is null || Equals(narrower, wider);

    private static bool Subset<T>(T[]? narrower, T[]? wider, IEqualityComparer<T> comparer) =>
        wider is null || narrower is not null && narrower.All(x => wider.Contains(x, comparer));

    private static bool Includes(KeyValuePair<string, string>[]? required, KeyValuePair<string, string>[]? present) =>
        required is null || present is not null && required.All(present.Contains);

    /// <summary>Whether every address of <paramref name="inner"/> is in <paramref name="outer"/>.</summary>
    private static bool Within(IPNetwork inner, IPNetwork outer) =>
        inner.BaseAddress.AddressFamily == outer.BaseAddress.AddressFamily && inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);
}
