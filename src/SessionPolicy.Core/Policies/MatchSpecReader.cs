using System.Net;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;
using YamlDotNet.RepresentationModel;

namespace SessionPolicy.Core.Policies;

/// <summary>Reads the <c>match</c> of a profile or the <c>when</c> of a guardrail.</summary>
internal sealed class MatchSpecReader(YamlNodeReader r, EnvironmentTable environments)
{
    private static readonly Dictionary<string, PrincipalKind> Kinds = new() { ["human"] = PrincipalKind.Human, ["service"] = PrincipalKind.Service };
    private static readonly Dictionary<string, ChannelKind> Channels = new() { ["web"] = ChannelKind.Web, ["mobile"] = ChannelKind.Mobile, ["api"] = ChannelKind.Api, ["cli"] = ChannelKind.Cli };
    private static readonly Dictionary<string, Assurance> Levels = new() { ["aal1"] = Assurance.Aal1, ["aal2"] = Assurance.Aal2, ["aal3"] = Assurance.Aal3 };
    private static readonly Dictionary<string, DeviceTrustLevel> Devices = new() { ["unknown"] = DeviceTrustLevel.Unknown, ["unmanaged"] = DeviceTrustLevel.Unmanaged, ["managed"] = DeviceTrustLevel.Managed };
    private static readonly Dictionary<string, UnknownFact> Facts = new()
    {
        ["source_ip"] = UnknownFact.SourceIp, ["mfa"] = UnknownFact.Mfa, ["assurance_level"] = UnknownFact.AssuranceLevel,
        ["device_trust"] = UnknownFact.DeviceTrust, ["environment"] = UnknownFact.Environment, ["network_zone"] = UnknownFact.NetworkZone,
        ["channel"] = UnknownFact.Channel, ["risk_score"] = UnknownFact.RiskScore,
    };

    /// <summary>The spec, or null when any part of it is bad (each bad part is recorded).</summary>
    public MatchSpec? Read(YamlNode node, string path)
    {
        var map = r.Mapping(node, path, "principal", "role", "context");
        if (map is null) return null;
        var errors = r.Problems.Count;
        var spec = new MatchSpec();
        if (map.TryGetValue("principal", out var p)) spec = ReadPrincipal(spec, p, path + ".principal");
        if (map.TryGetValue("role", out var ro)) spec = ReadRole(spec, ro, path + ".role");
        if (map.TryGetValue("context", out var c)) spec = ReadContext(spec, c, path + ".context");
        return r.Problems.Count == errors ? spec : null;
    }

    private MatchSpec ReadPrincipal(MatchSpec spec, YamlNode node, string path)
    {
        var m = r.Mapping(node, path, "ids", "type", "groups", "attributes");
        if (m is null) return spec;
        return spec with
        {
            PrincipalIds = Get(m, "ids", path, (n, p) => r.List(n, p, (x, xp) => r.String(x, xp))),
            PrincipalKind = GetValue(m, "type", path, (n, p) => r.Enum(n, p, Kinds)),
            Groups = Get(m, "groups", path, (n, p) => r.List(n, p, (x, xp) => r.String(x, xp))),
            Attributes = Get(m, "attributes", path, r.StringMap),
        };
    }

    private MatchSpec ReadRole(MatchSpec spec, YamlNode node, string path)
    {
        var m = r.Mapping(node, path, "arns", "accounts", "tags");
        if (m is null) return spec;
        return spec with
        {
            RoleArns = Get(m, "arns", path, (n, p) => r.List(n, p, ReadArn)),
            Accounts = Get(m, "accounts", path, (n, p) => r.List(n, p, ReadAccount)),
            RoleTags = Get(m, "tags", path, r.StringMap),
        };
    }

    private MatchSpec ReadContext(MatchSpec spec, YamlNode node, string path)
    {
        var m = r.Mapping(node, path, "environments", "source_cidrs", "outside_cidrs", "network_zones", "channels", "mfa",
            "min_assurance", "below_assurance", "device_trust", "cross_account", "role_chaining", "risk_score_at_least", "risk_score_below",
            "unknown", "time");
        if (m is null) return spec;
        return spec with
        {
            // Aliases are read as the environment they stand for; a name not declared is kept, and flagged by the validator.
            Environments = Get(m, "environments", path, (n, p) => r.List(n, p, (x, xp) => r.String(x, xp, 64) is { } e ? environments.Find(e) ?? e : null)),
            SourceCidrs = Get(m, "source_cidrs", path, (n, p) => r.ValueList(n, p, ReadCidr)),
            OutsideCidrs = Get(m, "outside_cidrs", path, (n, p) => r.ValueList(n, p, ReadCidr)),
            NetworkZones = Get(m, "network_zones", path, (n, p) => r.List(n, p, (x, xp) => r.String(x, xp, 64))),
            Channels = Get(m, "channels", path, (n, p) => r.ValueList(n, p, (x, xp) => r.Enum(x, xp, Channels))),
            Mfa = GetValue(m, "mfa", path, r.Bool),
            MinAssurance = GetValue(m, "min_assurance", path, (n, p) => r.Enum(n, p, Levels)),
            BelowAssurance = GetValue(m, "below_assurance", path, (n, p) => r.Enum(n, p, Levels)),
            DeviceTrust = Get(m, "device_trust", path, (n, p) => r.ValueList(n, p, (x, xp) => r.Enum(x, xp, Devices))),
            CrossAccount = GetValue(m, "cross_account", path, r.Bool),
            RoleChaining = GetValue(m, "role_chaining", path, r.Bool),
            RiskAtLeast = GetValue(m, "risk_score_at_least", path, (n, p) => r.Int(n, p, 0, 100)),
            RiskBelow = GetValue(m, "risk_score_below", path, (n, p) => r.Int(n, p, 1, 101)),
            Unknown = Get(m, "unknown", path, (n, p) => r.ValueList(n, p, (x, xp) => r.Enum(x, xp, Facts))),
            Time = Get(m, "time", path, (n, p) => r.List(n is YamlMappingNode ? new YamlSequenceNode(n) : n, p, new TimeWindowReader(r).Read, 32)),
        };
    }

    private static T? Get<T>(Dictionary<string, YamlNode> m, string key, string path, Func<YamlNode, string, T?> read) where T : class =>
        m.TryGetValue(key, out var node) ? read(node, YamlNodeReader.Join(path, key)) : null;

    private static T? GetValue<T>(Dictionary<string, YamlNode> m, string key, string path, Func<YamlNode, string, T?> read) where T : struct =>
        m.TryGetValue(key, out var node) ? read(node, YamlNodeReader.Join(path, key)) : null;

    private ArnGlob? ReadArn(YamlNode node, string path)
    {
        var text = r.String(node, path, RoleArn.MaxLength);
        if (text is null) return null;
        if (!text.StartsWith("arn:", StringComparison.Ordinal) || !text.Contains(":role/", StringComparison.Ordinal) && !text.EndsWith('*'))
        {
            r.Error(node, path, "must be an IAM role ARN or pattern, e.g. arn:aws:iam::*:role/prod-*");
            return null;
        }
        return new ArnGlob(text);
    }

    private string? ReadAccount(YamlNode node, string path)
    {
        var text = r.String(node, path, 12);
        if (text is not null && RoleArn.IsAccountId(text)) return text;
        if (text is not null) r.Error(node, path, "must be a 12-digit AWS account id (quote it so YAML keeps leading zeros)");
        return null;
    }

    private IPNetwork? ReadCidr(YamlNode node, string path)
    {
        var text = r.String(node, path, 64);
        if (text is null) return null;
        if (IPNetwork.TryParse(text, out var network)) return network;
        r.Error(node, path, $"'{text}' is not a CIDR block such as 10.0.0.0/8 or 2001:db8::/32");
        return null;
    }
}
