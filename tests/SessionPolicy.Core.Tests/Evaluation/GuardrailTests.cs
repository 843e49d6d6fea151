using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Evaluation;

public sealed class GuardrailTests
{
    private static readonly PolicyEngine Engine = TestPolicies.Engine("""
        version: 1
        defaults: { max_session: 8h, idle_timeout: 1h }
        guardrails:
          - name: no-mfa
            when: { context: { mfa: false } }
            max_session: 2h
            idle_timeout: 15m
          - name: production
            when: { context: { environments: [production] } }
            max_session: 1h
          - name: high-risk
            when: { context: { risk_score_at_least: 70 } }
            max_session: 15m
            action: reauthenticate
          - name: critical-risk
            when: { context: { risk_score_at_least: 90 } }
            action: deny
          - name: untrusted-network
            when: { context: { outside_cidrs: [10.0.0.0/8] } }
            max_session: 4h
          - name: group-cap
            when: { principal: { groups: [contractors, vendors] } }
            max_session: 3h
        """);

    [Fact]
    public void Evaluate_NoGuardrailMatches_ProfileBinds()
    {
        var d = Engine.Evaluate(Requests.Human(mfa: true));

        Assert.Equal(8 * 3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.Profile, d.Binding);
        Assert.Empty(d.Guardrails.Select(g => g.Name));
        Assert.Equal(Outcome.Allow, d.Outcome);
    }

    [Fact]
    public void Evaluate_SeveralGuardrails_ShortestWinsAndAllAreListed()
    {
        var d = Engine.Evaluate(Requests.Human(mfa: false, environment: "production"));

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal(Constraint.Guardrail, d.Binding);
        Assert.Equal(900, d.IdleTimeoutSeconds);
        Assert.Equal(Constraint.Guardrail, d.IdleBinding);
        Assert.Equal(["no-mfa", "production"], d.Guardrails.Select(g => g.Name));
    }

    [Fact]
    public void Evaluate_GuardrailsNeverLengthen()
    {
        var engine = TestPolicies.Engine("""
            version: 1
            defaults: { max_session: 30m, idle_timeout: 5m }
            guardrails:
              - { name: long, when: { context: { mfa: false } }, max_session: 4h, idle_timeout: 1h }
            """);

        var d = engine.Evaluate(Requests.Human(mfa: false));

        Assert.Equal(1800, d.MaxSessionSeconds);
        Assert.Equal(300, d.IdleTimeoutSeconds);
        Assert.Equal(Constraint.Profile, d.Binding);
    }

    [Theory]
    [InlineData(69, Outcome.Allow, 8 * 3600)]
    [InlineData(70, Outcome.Reauthenticate, 900)]
    [InlineData(89, Outcome.Reauthenticate, 900)]
    [InlineData(90, Outcome.Deny, 900)]
    public void Evaluate_RiskScore_OutcomeAtEachThreshold(int risk, Outcome outcome, int maxSession)
    {
        var d = Engine.Evaluate(Requests.Human(risk: risk));

        Assert.Equal(outcome, d.Outcome);
        Assert.Equal(maxSession, d.MaxSessionSeconds);
    }

    [Fact]
    public void Evaluate_UnassessedRisk_DoesNotMatchRiskGuardrails() =>
        Assert.Equal(Outcome.Allow, Engine.Evaluate(Requests.Human(risk: null)).Outcome);

    [Theory]
    [InlineData(null, 4 * 3600)]
    [InlineData("10.9.8.7", 8 * 3600)]
    [InlineData("203.0.113.5", 4 * 3600)]
    public void Evaluate_OutsideCidrs_MatchesOutsideAndUnknownAddresses(string? ip, int maxSession) =>
        Assert.Equal(maxSession, Engine.Evaluate(Requests.Human(ip: ip)).MaxSessionSeconds);

    [Fact]
    public void Evaluate_GuardrailFiledUnderSeveralSharedGroups_IsListedOnce()
    {
        var d = Engine.Evaluate(Requests.Human(groups: ["vendors", "contractors"]));

        Assert.Equal(["group-cap"], d.Guardrails.Select(g => g.Name));
        Assert.Equal(3 * 3600, d.MaxSessionSeconds);
    }

    [Fact]
    public void Evaluate_ProfileOutcomeDeny_IsKeptEvenWithoutGuardrails()
    {
        var engine = TestPolicies.Engine("""
            version: 1
            defaults: { max_session: 1h, idle_timeout: 15m }
            profiles:
              - { name: blocked, match: { principal: { ids: [mallory] } }, max_session: 15m, idle_timeout: 5m, outcome: deny }
            """);

        Assert.Equal(Outcome.Deny, engine.Evaluate(Requests.Human(id: "mallory")).Outcome);
        Assert.Equal(Outcome.Allow, engine.Evaluate(Requests.Human(id: "alice")).Outcome);
    }

    [Fact]
    public void Evaluate_MoreMatchingGuardrailsThanTheInlineBuffer_ListsEveryOneInPolicyOrder()
    {
        var rules = string.Join("\n", Enumerable.Range(0, 20).Select(i =>
            $"  - {{ name: g{i:D2}, when: {{ principal: {{ groups: [team, t{i}] }} }}, max_session: {20 - i}h }}"));
        var engine = TestPolicies.Engine($"version: 1\ndefaults: {{ max_session: 12h, idle_timeout: 15m }}\nguardrails:\n{rules}\n");

        var d = engine.Evaluate(Requests.Human(groups: ["team", "t3", "t17"]));

        // g00..g08 allow 12h or more: they match without effect.
        Assert.Equal(Enumerable.Range(9, 11).Select(i => $"g{i:D2}"), d.Guardrails.Select(g => g.Name));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"g{i:D2}"), d.GuardrailsWithoutEffect.Select(g => g.Name));
        Assert.Equal(3600, d.MaxSessionSeconds);
    }

    [Fact]
    public void Evaluate_RequestInMoreGroupsThanTheInlineBucketBuffer_FindsEveryGroupRule()
    {
        var rules = string.Join("\n", Enumerable.Range(0, 24).Select(i =>
            $"  - {{ name: g{i:D2}, when: {{ principal: {{ groups: [team-{i}] }} }}, max_session: {2 + i}h }}"));
        var engine = TestPolicies.Engine($"version: 1\ndefaults: {{ max_session: 12h, idle_timeout: 15m }}\nguardrails:\n{rules}\n");

        var d = engine.Evaluate(Requests.Human(groups: [.. Enumerable.Range(0, 24).Select(i => $"team-{i}")]));

        Assert.Equal(10, d.Guardrails.Count);
        Assert.Equal(14, d.GuardrailsWithoutEffect.Count);
        Assert.Equal(7200, d.MaxSessionSeconds);
    }
}
