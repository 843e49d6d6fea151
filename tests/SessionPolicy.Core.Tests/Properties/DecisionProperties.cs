using System.Net;
using System.Text;
using CsCheck;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.Properties;

/// <summary>
/// What the product promises, checked over generated policies and requests (CsCheck shrinks a failure to a
/// small case): a guardrail never lengthens a session; every final value lies within the clamps; the index
/// and a scan of every rule reach the same decision; a guardrail reported without effect changes nothing; and,
/// for policies whose profiles choose by who and where while guardrails respond to risk (what the validator
/// asks for), a riskier request never gets a longer session, a longer idle timeout or a milder outcome.
/// </summary>
public sealed class DecisionProperties
{
    private const int Iterations = 300;

    // Conditions on who, what and where: profiles may use these in any policy.
    private static readonly string[] WhoAndWhere =
    [
        "principal: { type: human }", "principal: { type: service }", "principal: { groups: [ops, Eng] }", "principal: { groups: [eng] }",
        "role: { arns: ['arn:aws:iam::*:role/*admin*'] }", "role: { arns: ['arn:aws:iam::*:role/Deploy'] }", "role: { arns: ['arn:aws:iam::111111111111:role/ops/*'] }",
        "role: { accounts: ['111111111111'] }", "role: { tags: { tier: gold } }", "context: { environments: [production] }", "context: { environments: [staging, development] }",
        "context: { cross_account: true }", "context: { role_chaining: true }", "context: { channels: [web, cli] }",
    ];

    // Risk conditions read the fail-closed way round: a riskier request only ever matches more of them.
    private static readonly string[] Riskier =
    [
        "context: { mfa: false }", "context: { risk_score_at_least: 50 }", "context: { risk_score_at_least: 90 }", "context: { below_assurance: aal2 }",
        "context: { below_assurance: aal3 }", "context: { outside_cidrs: [10.0.0.0/8] }", "context: { network_zones: [internet] }",
        "context: { device_trust: [unmanaged, unknown] }", "context: { device_trust: [unknown] }", "context: { unknown: [source_ip, mfa] }",
        "context: { unknown: [assurance_level] }",
    ];

    // Risk conditions read the other way round: allowed in a policy, outside the monotonicity promise.
    private static readonly string[] Safer =
    [
        "context: { mfa: true }", "context: { min_assurance: aal2 }", "context: { risk_score_below: 30 }", "context: { source_cidrs: [10.0.0.0/8] }",
        "context: { device_trust: [managed] }", "context: { unknown: [risk_score] }",
    ];

    private static readonly string[] Environments = ["production", "Prod", "PRD", "staging", "dev", "DEVELOPMENT", "qa-7", ""];
    private static readonly string[] Roles =
    [
        "arn:aws:iam::111111111111:role/Deploy", "arn:aws:iam::111111111111:role/deploy", "arn:aws:iam::222222222222:role/PlatformADMIN",
        "arn:aws:iam::111111111111:role/ops/Reader", "arn:aws:iam::222222222222:role/ReadOnly",
    ];

    private static Gen<string> Rule(string kind, string[] conditions, bool guardrail) =>
        Gen.Select(Gen.Int[0, conditions.Length - 1].Array[0, 3], Gen.Int[1, 13], Gen.Int[0, 70], Gen.Int[0, 2], (picks, hours, idle, action) =>
        {
            // One condition per section: merge by section name, the last pick of a section wins.
            var sections = new Dictionary<string, List<string>>();
            foreach (var pick in picks.Distinct())
            {
                var text = conditions[pick];
                var colon = text.IndexOf(':');
                var section = text[..colon];
                var body = text[(colon + 1)..].Trim().Trim('{', '}').Trim();
                if (!sections.TryGetValue(section, out var parts)) sections[section] = parts = [];
                var key = body[..body.IndexOf(':')];
                parts.RemoveAll(p => p.StartsWith(key + ":", StringComparison.Ordinal));
                parts.Add(body);
            }
            var match = string.Join(", ", sections.Select(s => $"{s.Key}: {{ {string.Join(", ", s.Value)} }}"));
            var limits = guardrail
                ? $"max_session: {hours}h, idle_timeout: {(idle == 0 ? "10m" : idle + "m")}, action: {(action == 0 ? "shorten" : action == 1 ? "reauthenticate" : "deny")}"
                : $"max_session: {hours}h, idle_timeout: {(idle == 0 ? "none" : idle + "m")}";
            return $"{{ {kind}: {{ {match} }}, {limits} }}";
        });

    private static Gen<string> Policy(string[] profileConditions, string[] guardrailConditions) =>
        Gen.Select(Rule("match", profileConditions, false).Array[0, 6], Rule("when", guardrailConditions, true).Array[0, 6], Gen.Int[0, 2], (profiles, guardrails, limits) =>
        {
            var sb = new StringBuilder("version: 1\n");
            sb.Append("environments: { declared: { production: [prod, prd], staging: [stage], development: [dev] } }\n");
            sb.Append(limits switch { 0 => "", 1 => "limits: { max_session: 8h }\n", _ => "limits: { max_session: 12h, max_idle: 30m }\n" });
            sb.Append("defaults: { max_session: 1h, idle_timeout: 15m }\n");
            if (profiles.Length > 0) sb.Append("profiles:\n");
            for (var i = 0; i < profiles.Length; i++) sb.Append($"  - {{ name: p{i}, {profiles[i][2..]}\n");
            if (guardrails.Length > 0) sb.Append("guardrails:\n");
            for (var i = 0; i < guardrails.Length; i++) sb.Append($"  - {{ name: g{i}, {guardrails[i][2..]}\n");
            return sb.ToString();
        });

    private static readonly Gen<SessionRequest> Request =
        Gen.Select(Gen.Bool, Gen.Int[0, Roles.Length - 1], Gen.Int[0, Environments.Length - 1], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[1, 3], Gen.Int[0, 2], Gen.Int[-1, 100])
        .Select(Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool, Gen.Bool, Gen.Int[0, 3], (a, zone, groups, roleMax, chaining, cross, requested) =>
        {
            var (human, role, env, mfa, assurance, device, ip, risk) = a;
            RoleArn.TryParse(Roles[role], out var arn, out _);
            return new SessionRequest
            {
                PrincipalId = "p",
                PrincipalKind = human ? PrincipalKind.Human : PrincipalKind.Service,
                Groups = SessionRequest.NormalizeGroups(groups switch { 0 => [], 1 => ["ops"], 2 => ["ENG"], _ => ["eng", "ops"] }),
                Role = arn!,
                RoleTags = role % 2 == 0 ? new Dictionary<string, string> { ["tier"] = "gold" } : SessionRequest.NoAttributes,
                RoleMaxSessionSeconds = roleMax switch { 0 => 0, 1 => 3600, 2 => 7200, _ => 43200 },
                Environment = Environments[env],
                SourceIp = ip switch { 0 => null, 1 => IPAddress.Parse("10.1.1.1"), _ => IPAddress.Parse("203.0.113.5") },
                NetworkZone = zone switch { 0 => "", 1 => "corp", _ => "internet" },
                Channel = role % 3 == 0 ? ChannelKind.Web : null,
                Mfa = mfa switch { 0 => null, 1 => false, _ => true },
                Assurance = (Assurance)assurance,
                DeviceTrust = (DeviceTrustLevel)device,
                RoleChaining = chaining,
                CrossAccount = cross,
                RiskScore = risk < 0 ? null : risk,
                RequestedDurationSeconds = requested switch { 0 => 0, 1 => 900, 2 => 5400, _ => 90000 },
            };
        });

    /// <summary>Each way of making a request riskier: a (higher) risk score, less MFA, a lower assurance level, a less trusted network or device.</summary>
    private static readonly Gen<Func<SessionRequest, SessionRequest>> Riskier1 = Gen.Int[0, 5].Select(Gen.Int[0, 100], (kind, n) => (Func<SessionRequest, SessionRequest>)(kind switch
    {
        0 => r => r with { RiskScore = Math.Max(r.RiskScore ?? 0, n) },
        1 => r => r with { Mfa = r.Mfa == true ? (n % 2 == 0 ? false : null) : null },
        2 => r => r with { Assurance = r.Assurance == Assurance.None ? Assurance.None : (Assurance)((int)r.Assurance - 1 - n % (int)r.Assurance) },
        3 => r => r with { SourceIp = r.SourceIp is null ? null : n % 2 == 0 || r.SourceIp.ToString() != "10.1.1.1" ? null : IPAddress.Parse("203.0.113.5") },
        4 => r => r with { NetworkZone = "internet" },
        _ => r => r with { DeviceTrust = r.DeviceTrust == DeviceTrustLevel.Unknown ? DeviceTrustLevel.Unknown : (DeviceTrustLevel)((int)r.DeviceTrust - 1) },
    }));

    /// <summary>The engine for a generated policy; null for the few the parser refuses (contradictory conditions), which are skipped.</summary>
    private static PolicyEngine? Compile(string yaml)
    {
        var result = PolicyParser.Parse(yaml);
        if (!result.IsValid)
        {
            Assert.All(result.Errors, e => Assert.Contains("together match nothing", e.Message));
            return null;
        }
        return new PolicyEngine(result.Policy!, result.Version);
    }

    private static readonly Gen<string> AnyPolicy = Policy([.. WhoAndWhere, .. Riskier, .. Safer], [.. WhoAndWhere, .. Riskier, .. Safer]);
    private static readonly Gen<string> RiskAwarePolicy = Policy(WhoAndWhere, [.. WhoAndWhere, .. Riskier]);

    /// <summary>Idle timeouts compared with "none" (0) as the longest.</summary>
    private static long Idle(int seconds) => seconds == 0 ? long.MaxValue : seconds;

    [Fact]
    public void Guardrails_NeverLengthenASession() =>
        Gen.Select(AnyPolicy, Request).Sample(t =>
        {
            var (yaml, request) = t;
            if (Compile(yaml) is not { } engine) return;
            var with = engine.Evaluate(request);
            var without = Compile(yaml[..(yaml.IndexOf("guardrails:", StringComparison.Ordinal) is var g and >= 0 ? g : yaml.Length)])!.Evaluate(request);
            Assert.True(with.MaxSessionSeconds <= without.MaxSessionSeconds, $"max {with.MaxSessionSeconds} > {without.MaxSessionSeconds}");
            Assert.True(Idle(with.IdleTimeoutSeconds) <= Idle(without.IdleTimeoutSeconds), $"idle {with.IdleTimeoutSeconds} vs {without.IdleTimeoutSeconds}");
            Assert.True(with.Outcome >= without.Outcome);
            Assert.Equal(without.Profile, with.Profile);
        }, iter: Iterations);

    [Fact]
    public void FinalValues_LieWithinTheClamps() =>
        Gen.Select(AnyPolicy, Request).Sample(t =>
        {
            var (yaml, request) = t;
            if (Compile(yaml) is not { } engine) return;
            var d = engine.Evaluate(request);
            var ceiling = Math.Min(StsLimits.MaxDurationSeconds, engine.Policy.MaxSessionSeconds);
            if (request.RoleChaining) ceiling = Math.Min(ceiling, StsLimits.RoleChainingMaxSeconds);
            if (request.RoleMaxSessionSeconds > 0) ceiling = Math.Min(ceiling, request.RoleMaxSessionSeconds);
            if (request.RequestedDurationSeconds > 0) ceiling = Math.Min(ceiling, request.RequestedDurationSeconds);
            Assert.InRange(d.MaxSessionSeconds, StsLimits.MinDurationSeconds, Math.Max(ceiling, StsLimits.MinDurationSeconds));
            Assert.InRange(d.IdleTimeoutSeconds, 0, d.MaxSessionSeconds);
            if (engine.Policy.MaxIdleSeconds > 0 && d.IdleTimeoutSeconds > 0) Assert.True(d.IdleTimeoutSeconds <= engine.Policy.MaxIdleSeconds);
        }, iter: Iterations);

    [Fact]
    public void TheIndex_AndAScanOfEveryRule_ReachTheSameDecision() =>
        Gen.Select(AnyPolicy, Request).Sample(t =>
        {
            var (yaml, request) = t;
            if (Compile(yaml) is not { } engine) return;
            var indexed = engine.Evaluate(request);
            var scanned = engine.Evaluate(request, explain: true);
            Assert.Equal(Describe(scanned), Describe(indexed));
            // The trace accounts for every profile and guardrail of the policy.
            Assert.Equal(engine.Policy.Profiles.Count, scanned.Trace!.Count(e => e.Stage == "profile-candidate"));
            Assert.Equal(engine.Policy.Guardrails.Count, scanned.Trace!.Count(e => e.Stage == "guardrail"));
        }, iter: Iterations);

    [Fact]
    public void GuardrailsReportedWithoutEffect_ChangeNothing() =>
        Gen.Select(AnyPolicy, Request).Sample(t =>
        {
            var (yaml, request) = t;
            if (Compile(yaml) is not { } engine) return;
            var d = engine.Evaluate(request);
            var inert = d.GuardrailsWithoutEffect.Select(g => g.Name).ToHashSet();
            var kept = engine.Policy with { Guardrails = [.. engine.Policy.Guardrails.Where(g => !inert.Contains(g.Name))] };
            var without = new PolicyEngine(kept, engine.Version).Evaluate(request);
            Assert.Equal((d.Outcome, d.MaxSessionSeconds, d.IdleTimeoutSeconds), (without.Outcome, without.MaxSessionSeconds, without.IdleTimeoutSeconds));
            Assert.Equal(d.Guardrails.Select(g => g.Name), without.Guardrails.Select(g => g.Name));
        }, iter: Iterations);

    [Fact]
    public void ARiskierRequest_NeverGetsMore() =>
        Gen.Select(RiskAwarePolicy, Request, Riskier1).Sample(t =>
        {
            var (yaml, request, riskier) = t;
            if (Compile(yaml) is not { } engine) return;
            var safe = engine.Evaluate(request);
            var risky = engine.Evaluate(riskier(request));
            Assert.True(risky.MaxSessionSeconds <= safe.MaxSessionSeconds, $"max {risky.MaxSessionSeconds} > {safe.MaxSessionSeconds}");
            Assert.True(Idle(risky.IdleTimeoutSeconds) <= Idle(safe.IdleTimeoutSeconds), $"idle {risky.IdleTimeoutSeconds} vs {safe.IdleTimeoutSeconds}");
            Assert.True(risky.Outcome >= safe.Outcome, $"outcome {risky.Outcome} < {safe.Outcome}");
        }, iter: Iterations);

    [Fact]
    public void TheDefaultPolicy_NeverGivesARiskierRequestMore()
    {
        var loaded = DefaultPolicy.Load();
        var engine = new PolicyEngine(loaded.Policy!, loaded.Version);
        Gen.Select(Request, Riskier1).Sample(t =>
        {
            var (request, riskier) = t;
            var safe = engine.Evaluate(request);
            var risky = engine.Evaluate(riskier(request));
            Assert.True(risky.MaxSessionSeconds <= safe.MaxSessionSeconds && Idle(risky.IdleTimeoutSeconds) <= Idle(safe.IdleTimeoutSeconds) && risky.Outcome >= safe.Outcome,
                $"{safe.MaxSessionSeconds}/{safe.IdleTimeoutSeconds}/{safe.Outcome} became {risky.MaxSessionSeconds}/{risky.IdleTimeoutSeconds}/{risky.Outcome}");
        }, iter: 2000);
    }

    private static string Describe(PolicyDecision d) =>
        $"{d.Outcome} {d.MaxSessionSeconds} {d.IdleTimeoutSeconds} {d.Profile} {d.Binding} {d.IdleBinding} [{string.Join(",", d.Guardrails.Select(g => g.Name))}] [{string.Join(",", d.GuardrailsWithoutEffect.Select(g => g.Name))}]";
}
