using System.Net;
using System.Text;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Evaluation;

/// <summary>
/// The index must never change a decision: for many generated requests against a generated policy, the
/// engine agrees with a plain scan of every rule.
/// </summary>
public sealed class IndexEquivalenceTests
{
    private static readonly string[] Groups = ["g0", "g1", "g2", "g3", "g4", "g5"];
    private static readonly string[] Environments = ["production", "staging", "dev"];
    private static readonly string[] Roles = ["Admin", "ReadOnly", "team-a-deploy", "team-b-deploy", "ops/team-a-x", "break-glass"];
    private static readonly string[] Accounts = ["111111111111", "222222222222"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Evaluate_IndexedEngine_AgreesWithAFullScan(int seed)
    {
        var random = new Random(seed);
        var policy = PolicyParser.Parse(GeneratePolicy(random, rules: 300));
        Assert.True(policy.IsValid, string.Join("\n", policy.Errors));
        var engine = new PolicyEngine(policy.Policy!, policy.Version);

        for (var n = 0; n < 2000; n++)
        {
            var request = GenerateRequest(random);
            var indexed = engine.Evaluate(request);
            var (profile, guardrails) = Scan(policy.Policy!, engine.Facts(request));
            var explained = engine.Evaluate(request, explain: true);

            Assert.Equal(profile, indexed.Profile);
            Assert.Equal(guardrails, indexed.Guardrails.Concat(indexed.GuardrailsWithoutEffect).Select(g => g.Name).Order());
            Assert.Equal(profile, explained.Profile);
            Assert.Equal(indexed.Guardrails.Select(g => g.Name), explained.Guardrails.Select(g => g.Name));
        }
    }

    private static (string Profile, List<string> Guardrails) Scan(PolicyDocument policy, RequestFacts r)
    {
        var best = policy.Profiles.Where(p => p.Match.Matches(r))
            .OrderByDescending(p => p.Match.Specificity).ThenBy(p => p.Order).FirstOrDefault();
        return (best?.Name ?? "default", [.. policy.Guardrails.Where(g => g.When.Matches(r)).Select(g => g.Name).Order()]);
    }

    private static string GeneratePolicy(Random random, int rules)
    {
        var sb = new StringBuilder("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n");
        for (var i = 0; i < rules / 2; i++) sb.Append($"  - {{ name: p{i}, match: {Match(random)}, max_session: {1 + random.Next(12)}h, idle_timeout: {5 + random.Next(50)}m }}\n");
        sb.Append("guardrails:\n");
        for (var i = 0; i < rules / 2; i++) sb.Append($"  - {{ name: g{i}, when: {Match(random)}, max_session: {1 + random.Next(8)}h }}\n");
        return sb.ToString();
    }

    private static string Match(Random random)
    {
        var parts = new List<string>();
        var principal = new List<string>();
        if (random.Next(6) == 0) principal.Add($"ids: [u{random.Next(5)}]");
        if (random.Next(3) == 0) principal.Add($"type: {(random.Next(2) == 0 ? "human" : "service")}");
        if (random.Next(3) == 0) principal.Add($"groups: [{Pick(random, Groups)}, {Pick(random, Groups)}]");
        if (principal.Count > 0) parts.Add($"principal: {{ {string.Join(", ", principal)} }}");
        var role = new List<string>();
        switch (random.Next(5))
        {
            case 0: role.Add($"arns: ['arn:aws:iam::{Pick(random, Accounts)}:role/{Pick(random, Roles)}']"); break;
            case 1: role.Add($"arns: ['arn:aws:iam::*:role/team-{(random.Next(2) == 0 ? "a" : "b")}*', 'arn:aws:iam::*:role/ops/*']"); break;
            case 2: role.Add("arns: ['arn:aws:iam::*:role/*Admin*']"); break;
        }
        if (random.Next(4) == 0) role.Add($"accounts: ['{Pick(random, Accounts)}']");
        if (role.Count > 0) parts.Add($"role: {{ {string.Join(", ", role)} }}");
        var context = new List<string>();
        if (random.Next(3) == 0) context.Add($"environments: [{Pick(random, Environments)}]");
        if (random.Next(4) == 0) context.Add($"mfa: {(random.Next(2) == 0 ? "true" : "false")}");
        if (random.Next(5) == 0) context.Add($"risk_score_at_least: {random.Next(100)}");
        if (random.Next(6) == 0) context.Add("network_zones: [internet]");
        if (random.Next(6) == 0) context.Add("outside_cidrs: [10.0.0.0/8]");
        if (context.Count > 0) parts.Add($"context: {{ {string.Join(", ", context)} }}");
        return $"{{ {string.Join(", ", parts)} }}";
    }

    // Values are respelled at random: the index files some dimensions without regard to case (and exact ARNs as a
    // whole, though their partition compares as written), so a lookup it finds must still be checked as the rule says.
    private static SessionRequest GenerateRequest(Random random)
    {
        var arn = $"arn:{(random.Next(8) == 0 ? "AWS" : "aws")}:iam::{Pick(random, Accounts)}:role/{Respell(random, Pick(random, Roles))}";
        var request = random.Next(2) == 0
            ? Requests.Human(id: $"u{random.Next(6)}", arn: arn,
                environment: random.Next(4) == 0 ? "" : Respell(random, Pick(random, Environments)), mfa: random.Next(2) == 0,
                groups: [.. Enumerable.Range(0, random.Next(4)).Select(_ => Respell(random, Pick(random, Groups)))],
                risk: random.Next(3) == 0 ? null : random.Next(101), ip: random.Next(3) == 0 ? null : random.Next(2) == 0 ? "10.1.1.1" : "198.51.100.1")
            : Requests.Service(id: $"u{random.Next(6)}", arn: arn, environment: Respell(random, Pick(random, Environments)));
        return random.Next(5) == 0 ? With(request, Respell(random, "internet")) : request;
    }

    private static string Respell(Random random, string value) =>
        random.Next(4) != 0 ? value : string.Concat(value.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c));

    private static SessionRequest With(SessionRequest r, string zone) => new()
    {
        PrincipalId = r.PrincipalId, PrincipalKind = r.PrincipalKind, Groups = r.Groups, Role = r.Role, Environment = r.Environment,
        Mfa = r.Mfa, RiskScore = r.RiskScore, SourceIp = r.SourceIp, NetworkZone = zone,
    };

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
