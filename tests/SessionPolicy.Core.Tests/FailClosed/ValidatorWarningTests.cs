using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.FailClosed;

/// <summary>Warnings that catch fail-open policies; <c>policyctl validate --warnings-as-errors</c> makes them fatal.</summary>
public sealed class ValidatorWarningTests
{
    private const string Head = "version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\n";

    private static IReadOnlyList<PolicyProblem> Warnings(string yaml, IReadOnlyDictionary<string, int>? roles = null)
    {
        var result = PolicyParser.Parse(yaml, roles);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return [.. result.Warnings];
    }

    private static void AssertWarns(string yaml, string path, string message, IReadOnlyDictionary<string, int>? roles = null) =>
        Assert.Contains(Warnings(yaml, roles), w => w.Path == path && w.Message.Contains(message, StringComparison.Ordinal));

    [Fact]
    public void Profile_TakenOverByAWiderHigherRankedOne_IsUnreachable() => AssertWarns(Head + """
        profiles:
          - { name: people, match: { principal: { type: human, groups: [eng, ops] } }, max_session: 8h, idle_timeout: 1h }
          - { name: ops, match: { principal: { type: human, groups: [ops] } }, max_session: 1h, idle_timeout: 15m }
        """, "profiles[1]", "profile 'ops' can never apply: 'people' matches every request it matches");

    [Fact]
    public void Profile_WithACaseVariantOfAWiderPattern_IsUnreachable() => AssertWarns(Head + """
        profiles:
          - { name: admins, match: { role: { arns: ["arn:aws:iam::*:role/*Admin*"] } }, max_session: 1h, idle_timeout: 15m }
          - { name: platform-admins, match: { role: { arns: ["arn:aws:iam::*:role/platform-admin*"] } }, max_session: 2h, idle_timeout: 15m }
        """, "profiles[1]", "can never apply");

    [Fact]
    public void Defaults_CoveredByAProfileForEachKind_AreUnreachable() => AssertWarns(Head + """
        profiles:
          - { name: people, match: { principal: { type: human } }, max_session: 8h, idle_timeout: 1h }
          - { name: workloads, match: { principal: { type: service } }, max_session: 12h, idle_timeout: none }
        """, "defaults", "the defaults can never apply: 'people' matches every person and 'workloads' every workload");

    [Fact]
    public void Guardrail_AskingForAnUnknownFactItAlsoRequires_NeverMatches() => AssertWarns(Head + """
        guardrails:
          - { name: g, when: { context: { unknown: [mfa], mfa: true } }, max_session: 15m }
        """, "guardrails[0].when", "can never match");

    [Fact]
    public void Guardrail_NamingOnlyUndeclaredEnvironments_NeverMatches() => AssertWarns("""
        version: 1
        environments: { declared: { production: [prod] } }
        defaults: { max_session: 1h, idle_timeout: 15m }
        guardrails:
          - { name: g, when: { context: { environments: [prodution] } }, max_session: 15m }
        """, "guardrails[0].when.context.environments", "'prodution' is not a declared environment");

    [Fact]
    public void Environments_UsedButNotDeclared_AreWarnedAbout() => AssertWarns(Head + """
        guardrails:
          - { name: g, when: { context: { environments: [production] } }, max_session: 15m }
        """, "guardrails[0].when.context.environments", "environments are not declared");

    [Fact]
    public void Globs_ThatDifferOnlyByCase_AreWarnedAbout() => AssertWarns(Head + """
        guardrails:
          - { name: g, when: { role: { arns: ["arn:aws:iam::*:role/*Admin*", "arn:aws:iam::*:role/*admin*"] } }, max_session: 15m }
        """, "guardrails[0].when.role.arns", "are the same: role names compare without regard to case");

    [Fact]
    public void HumanProfile_WithoutIdleTimeout_IsWarnedAbout() => AssertWarns(Head + """
        profiles:
          - { name: p, match: { principal: { type: human } }, max_session: 8h, idle_timeout: none }
        """, "profiles[0].idle_timeout", "no idle timeout");

    [Fact]
    public void Profile_LongerThanARoleItMatches_IsWarnedAbout() => AssertWarns(Head + """
        profiles:
          - { name: p, match: { role: { arns: ["arn:aws:iam::*:role/etl*"] } }, max_session: 8h, idle_timeout: 15m }
        """, "profiles[0].max_session", "arn:aws:iam::123456789012:role/etl-nightly (1h)",
        new Dictionary<string, int> { ["arn:aws:iam::123456789012:role/etl-nightly"] = 3600, ["arn:aws:iam::123456789012:role/etl-weekly"] = 43200 });

    [Fact]
    public void Profile_ChosenByARiskFact_IsWarnedAbout() => AssertWarns(Head + """
        profiles:
          - { name: p, match: { context: { mfa: true } }, max_session: 8h, idle_timeout: 15m }
        """, "profiles[0].match.context", "chosen by how risky the sign-in is (mfa)");

    [Fact]
    public void Guardrail_HoldingOnlyForTheSaferValue_IsWarnedAbout() => AssertWarns(Head + """
        guardrails:
          - { name: g, when: { context: { device_trust: [unmanaged] } }, max_session: 1h }
        """, "guardrails[0].when.context", "device_trust without every riskier level");

    [Fact]
    public void TheShippedDefault_HasNoWarnings() => Assert.Empty(DefaultPolicy.Load().Problems);

    [Fact]
    public void Reachability_OfAHugePolicy_IsCheckedForTheFirstProfilesAndSaysSo()
    {
        var profiles = string.Join("\n", Enumerable.Range(0, PolicyValidator.MaxReachabilityProfiles + 1)
            .Select(i => $"  - {{ name: p{i}, match: {{ principal: {{ ids: [u{i}] }} }}, max_session: 1h, idle_timeout: 15m }}"));

        AssertWarns(Head + "profiles:\n" + profiles + "\n", "profiles", $"more than {PolicyValidator.MaxReachabilityProfiles} profiles");
    }
}
