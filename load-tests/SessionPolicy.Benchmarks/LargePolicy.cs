using System.Text;

namespace SessionPolicy.Benchmarks;

/// <summary>A synthetic policy of 1,000 rules shaped like a large organisation's: per-person and per-group
/// overrides, accounts, exact roles, ARN patterns, and context-only guardrails.</summary>
internal static class LargePolicy
{
    public static string Yaml(int rules = 1000)
    {
        var profiles = rules * 7 / 10;
        var sb = new StringBuilder("version: 1\nlimits: { max_session: 12h, max_idle: 1h }\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n");
        for (var i = 0; i < profiles; i++)
        {
            var match = (i % 7) switch
            {
                0 or 1 or 2 => $"{{ principal: {{ ids: [user-{i}] }} }}",
                3 or 4 => $"{{ principal: {{ type: human, groups: [group-{i}] }} }}",
                5 => $"{{ role: {{ accounts: ['{100000000000 + i}'] }}, context: {{ environments: [env-{i}] }} }}",
                _ when i % 35 == 6 => $"{{ principal: {{ type: human }}, role: {{ arns: ['arn:aws:iam::*:role/team-{i}-*'] }} }}",
                _ => $"{{ role: {{ arns: ['arn:aws:iam::123456789012:role/role-{i}'] }}, context: {{ channels: [web, cli] }} }}",
            };
            sb.Append($"  - {{ name: p{i}, match: {match}, max_session: {1 + i % 12}h, idle_timeout: {5 + i % 50}m }}\n");
        }
        sb.Append("guardrails:\n");
        for (var i = 0; i < rules - profiles; i++)
        {
            var when = (i % 10) switch
            {
                < 5 => $"{{ principal: {{ groups: [group-{i * 3}] }} }}",
                < 8 => $"{{ principal: {{ ids: [user-{i * 7}] }}, context: {{ mfa: false }} }}",
                8 => $"{{ context: {{ environments: [env-{i}] }} }}",
                _ when i % 30 == 9 => $"{{ context: {{ risk_score_at_least: {50 + i % 50} }} }}",
                _ => $"{{ context: {{ network_zones: [zone-{i}] }} }}",
            };
            sb.Append($"  - {{ name: g{i}, when: {when}, max_session: {1 + i % 8}h }}\n");
        }
        return sb.ToString();
    }
}
