using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.FailClosed;

/// <summary>The fail-closed parts of the policy language: declared environments, unknown facts, case, and each new field's errors.</summary>
public sealed class PolicyLanguageTests
{
    private const string Head = "version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\n";

    private static PolicyEngine Declared(string undeclared = "", string missing = "") => TestPolicies.Engine($$"""
        version: 1
        environments:
          declared: { production: [prod, PRD], staging: [stage], development: }
          {{(undeclared.Length > 0 ? "undeclared: " + undeclared : "")}}
          {{(missing.Length > 0 ? "missing: " + missing : "")}}
        defaults: { max_session: 1h, idle_timeout: 15m }
        profiles:
          - { name: prod, match: { context: { environments: [prod] } }, max_session: 2h, idle_timeout: 15m }
          - { name: dev, match: { context: { environments: [development] } }, max_session: 8h, idle_timeout: 15m }
          - { name: unknown-env, match: { context: { unknown: [environment] } }, max_session: 3h, idle_timeout: 15m }
        """);

    [Theory]
    [InlineData("production", "prod")]
    [InlineData("Production", "prod")]
    [InlineData("prd", "prod")]
    [InlineData("DEVELOPMENT", "dev")]
    public void Environment_NamesAndAliases_MatchWithoutRegardToCase(string given, string profile) =>
        Assert.Equal(profile, Declared().Evaluate(Requests.Human(environment: given)).Profile);

    [Theory]
    [InlineData("prodution")]
    [InlineData("")]
    public void Environment_UndeclaredOrMissing_IsTheMostRestrictiveByDefault(string given)
    {
        var d = Declared().Evaluate(Requests.Human(environment: given));

        // Read as production, and still known to be unknown.
        Assert.Equal("prod", d.Profile);
        Assert.Equal(given.Length == 0 ? EnvironmentResolution.Missing : EnvironmentResolution.Undeclared, d.Environment);
    }

    [Fact]
    public void Environment_UndeclaredSetToUnknown_MatchesOnlyTheUnknownCondition()
    {
        var engine = Declared(undeclared: "unknown", missing: "staging");

        Assert.Equal("unknown-env", engine.Evaluate(Requests.Human(environment: "qa")).Profile);
        Assert.Equal("unknown-env", engine.Evaluate(Requests.Human(environment: "")).Profile);
    }

    [Fact]
    public void Environment_WithoutDeclarations_IsMatchedAsGivenWithoutRegardToCase()
    {
        var engine = TestPolicies.Engine(Head + "profiles:\n  - { name: p, match: { context: { environments: [production] } }, max_session: 2h, idle_timeout: 15m }\n");

        Assert.Equal("p", engine.Evaluate(Requests.Human(environment: "PRODUCTION")).Profile);
    }

    [Theory]
    [InlineData("source_ip", null, null, true)]
    [InlineData("source_ip", "10.1.1.1", null, false)]
    [InlineData("mfa", null, null, true)]
    [InlineData("mfa", null, true, false)]
    [InlineData("mfa", null, false, false)]
    public void Unknown_MatchesFactsTheCallerLeftOut(string fact, string? ip, bool? mfa, bool matches)
    {
        var engine = TestPolicies.Engine(Head + $"guardrails:\n  - {{ name: g, when: {{ context: {{ unknown: [{fact}] }} }}, max_session: 15m }}\n");

        var d = engine.Evaluate(Requests.Human(ip: ip, mfa: mfa));

        Assert.Equal(matches, d.Guardrails.Count == 1);
    }

    [Fact]
    public void Mfa_NotSaid_MatchesMfaFalseButNotMfaTrue()
    {
        var engine = TestPolicies.Engine(Head + """
            profiles:
              - { name: with-mfa, match: { context: { mfa: true } }, max_session: 8h, idle_timeout: 15m }
            guardrails:
              - { name: no-mfa, when: { context: { mfa: false } }, max_session: 15m }
            """);

        var d = engine.Evaluate(Requests.Human(mfa: null));

        Assert.Equal("default", d.Profile);
        Assert.Equal(["no-mfa"], d.Guardrails.Select(g => g.Name));
    }

    [Theory]
    [InlineData("ops", true)]
    [InlineData("OPS", true)]
    [InlineData("op", false)]
    public void Groups_MatchWithoutRegardToCase(string group, bool matches)
    {
        var engine = TestPolicies.Engine(Head + "profiles:\n  - { name: p, match: { principal: { groups: [Ops] } }, max_session: 2h, idle_timeout: 15m }\n");

        Assert.Equal(matches ? "p" : "default", engine.Evaluate(Requests.Human(groups: [group])).Profile);
    }

    [Fact]
    public void RoleArn_ExactInTheIndex_MatchesWithoutRegardToTheCaseOfTheName()
    {
        var engine = TestPolicies.Engine(Head + "profiles:\n  - { name: p, match: { role: { arns: ['arn:aws:iam::123456789012:role/Ops/Deployer'] } }, max_session: 2h, idle_timeout: 15m }\n");

        Assert.Equal("p", engine.Evaluate(Requests.Human(arn: "arn:aws:iam::123456789012:role/ops/DEPLOYER")).Profile);
        Assert.Equal("default", engine.Evaluate(Requests.Human(arn: "arn:aws:iam::210987654321:role/Ops/Deployer")).Profile);
    }

    [Theory]
    [InlineData("environments: { declared: [production] }", "environments.declared", "non-empty mapping")]
    [InlineData("environments: { declared: { production: [prod], staging: [PROD] } }", "environments.declared.staging", "already a name or alias of production")]
    [InlineData("environments: { declared: { production: [prod] }, undeclared: qa }", "environments.undeclared", "'qa' is not declared")]
    [InlineData("environments: { undeclared: unknown }", "environments.declared", "is required")]
    [InlineData("environments: { declared: { production: }, extra: 1 }", "environments.extra", "unknown key")]
    public void Environments_BadDeclaration_IsRefusedNamingTheField(string block, string path, string message) =>
        AssertRefused(block + "\n" + Head, path, message);

    [Theory]
    [InlineData("unknown: [source_address]", "profiles[0].match.context.unknown[0]", "must be one of")]
    [InlineData("time: { days: [mon] }", "profiles[0].match.context.time[0].zone", "is required")]
    [InlineData("time: { zone: Mars/Olympus }", "profiles[0].match.context.time[0].zone", "not a time zone")]
    [InlineData("time: { zone: UTC, from: '08:00' }", "profiles[0].match.context.time[0]", "both from and to")]
    [InlineData("time: { zone: UTC, from: '8am', to: '18:00' }", "profiles[0].match.context.time[0].from", "HH:MM")]
    [InlineData("time: { zone: UTC, from: '24:00', to: '08:00' }", "profiles[0].match.context.time[0].from", "HH:MM")]
    [InlineData("time: { zone: UTC, from: '08:00', to: '08:00' }", "profiles[0].match.context.time[0]", "window is empty")]
    [InlineData("time: { zone: UTC, days: [monday] }", "profiles[0].match.context.time[0].days[0]", "is not a day")]
    [InlineData("time: { zone: UTC, days: [mon-funday] }", "profiles[0].match.context.time[0].days[0]", "is not a day")]
    public void NewConditions_BadValue_IsRefusedNamingTheField(string condition, string path, string message) =>
        AssertRefused(Head + $"profiles:\n  - {{ name: p, match: {{ context: {{ {condition} }} }}, max_session: 2h, idle_timeout: 15m }}\n", path, message);

    private static void AssertRefused(string yaml, string path, string message)
    {
        var result = PolicyParser.Parse(yaml);

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
