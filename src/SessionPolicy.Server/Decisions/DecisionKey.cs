using System.Text;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The cache key of a request: every input the evaluator reads, normalised (groups sorted and distinct,
/// maps sorted by key), each value length-prefixed so no two requests share a key, under the policy version.
/// </summary>
internal static class DecisionKey
{
    public static string For(string policyVersion, SessionRequest r)
    {
        var sb = new StringBuilder(256);
        Add(sb, policyVersion);
        Add(sb, r.PrincipalId);
        sb.Append((int)r.PrincipalKind).Append('|');
        sb.Append(r.Groups.Length).Append('|');
        foreach (var g in r.Groups) Add(sb, g);
        AddMap(sb, r.Attributes);
        Add(sb, r.PrincipalAccount);
        Add(sb, r.Role.Value);
        AddMap(sb, r.RoleTags);
        sb.Append(r.RoleMaxSessionSeconds).Append('|');
        Add(sb, r.Environment);
        Add(sb, r.SourceIp?.ToString() ?? "");
        Add(sb, r.NetworkZone);
        sb.Append(r.Channel is { } c ? (int)c : 0).Append('|')
          .Append(r.Mfa switch { true => 1, false => 0, null => 2 }).Append((int)r.Assurance).Append((int)r.DeviceTrust)
          .Append(r.CrossAccount ? 1 : 0).Append(r.RoleChaining ? 1 : 0).Append('|')
          .Append(r.RiskScore ?? -1).Append('|')
          .Append(r.RequestedDurationSeconds).Append('|')
          .Append(r.AuthenticatedAt?.UtcTicks ?? -1);
        return sb.ToString();
    }

    private static void Add(StringBuilder sb, string value) => sb.Append(value.Length).Append(':').Append(value);

    private static void AddMap(StringBuilder sb, IReadOnlyDictionary<string, string> map)
    {
        sb.Append(map.Count).Append('|');
        if (map.Count == 0) return;
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Add(sb, key);
            Add(sb, value);
        }
    }
}
