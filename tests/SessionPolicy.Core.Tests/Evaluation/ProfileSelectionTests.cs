using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Evaluation;

public sealed class ProfileSelectionTests
{
    private static readonly Core.Evaluation.PolicyEngine Engine = TestPolicies.Engine("""
        version: 1
        defaults: { max_session: 1h, idle_timeout: 15m }
        profiles:
          - name: people
            match: { principal: { type: human } }
            max_session: 8h
            idle_timeout: 1h
          - name: people-in-production
            match: { principal: { type: human }, context: { environments: [production] } }
            max_session: 2h
            idle_timeout: 30m
          - name: admins-anywhere
            match: { role: { arns: ["arn:aws:iam::123456789012:role/Admin"] } }
            max_session: 3h
            idle_timeout: 20m
          - name: first-of-equals
            match: { principal: { groups: [ops] }, context: { environments: [staging] } }
            max_session: 5h
            idle_timeout: 20m
          - name: second-of-equals
            match: { principal: { groups: [ops, sre] }, context: { environments: [staging] } }
            max_session: 6h
            idle_timeout: 20m
          - name: bob
            match: { principal: { ids: [bob] } }
            max_session: 10h
            idle_timeout: 1h
          - name: robots
            match: { principal: { type: service } }
            max_session: 12h
            idle_timeout: none
          - name: finance-people
            match: { principal: { type: human, attributes: { department: finance } }, role: { tags: { data: cardholder } } }
            max_session: 4h
            idle_timeout: 15m
          - name: from-the-office
            match: { principal: { type: human }, context: { source_cidrs: [10.0.0.0/8], min_assurance: aal3 } }
            max_session: 9h
            idle_timeout: 15m
        """);

    public static TheoryData<string, Core.Evaluation.SessionRequest, string, int> Cases => new()
    {
        { "a person with no other match gets the people profile", Requests.Human(), "people", 8 * 3600 },
        { "production is more specific than people", Requests.Human(environment: "production"), "people-in-production", 7200 },
        { "an exact ARN outweighs type plus environment", Requests.Human(arn: Requests.AdminArn, environment: "production"), "admins-anywhere", 3 * 3600 },
        { "equal specificity goes to the profile declared first", Requests.Human(groups: ["sre", "ops"], environment: "staging"), "first-of-equals", 5 * 3600 },
        { "the second of equals still matches on its own", Requests.Human(groups: ["sre"], environment: "staging"), "second-of-equals", 6 * 3600 },
        { "a principal id outweighs everything", Requests.Human(id: "bob", arn: Requests.AdminArn, environment: "production"), "bob", 10 * 3600 },
        { "services get the service profile", Requests.Service(), "robots", 12 * 3600 },
        { "attributes and role tags must all match", Requests.Human(attributes: new() { ["department"] = "finance" }, roleTags: new() { ["data"] = "cardholder" }), "finance-people", 4 * 3600 },
        { "a missing attribute does not match", Requests.Human(attributes: new() { ["department"] = "sales" }, roleTags: new() { ["data"] = "cardholder" }), "people", 8 * 3600 },
        { "CIDR and assurance match together", Requests.Human(ip: "10.1.2.3", assurance: Core.Evaluation.Assurance.Aal3), "from-the-office", 9 * 3600 },
        { "an address outside the CIDR does not match", Requests.Human(ip: "192.0.2.1", assurance: Core.Evaluation.Assurance.Aal3), "people", 8 * 3600 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_ChoosesMostSpecificProfile(string because, Core.Evaluation.SessionRequest request, string profile, int maxSession)
    {
        var decision = Engine.Evaluate(request);

        Assert.True(profile == decision.Profile, $"{because}: got {decision.Profile}");
        Assert.Equal(maxSession, decision.MaxSessionSeconds);
    }

    [Fact]
    public void Evaluate_NoProfileMatches_UsesDefaults()
    {
        var engine = TestPolicies.Engine("""
            version: 1
            defaults: { max_session: 2h, idle_timeout: 10m }
            profiles:
              - { name: prod, match: { context: { environments: [production] } }, max_session: 1h, idle_timeout: 5m }
            """);

        var decision = engine.Evaluate(Requests.Human(environment: "dev"));

        Assert.Equal("default", decision.Profile);
        Assert.Equal(7200, decision.MaxSessionSeconds);
        Assert.Equal(600, decision.IdleTimeoutSeconds);
    }

    [Fact]
    public void Evaluate_Explain_TracesCandidatesAndTheChoice()
    {
        var decision = Engine.Evaluate(Requests.Human(environment: "production"), explain: true);

        Assert.NotNull(decision.Trace);
        Assert.Contains(decision.Trace, t => t.Stage == "profile-candidate" && t.Subject == "people" && t.Applied);
        Assert.Contains(decision.Trace, t => t.Stage == "profile-candidate" && t.Subject == "from-the-office" && !t.Applied && t.Detail.Contains("context.min_assurance"));
        Assert.Contains(decision.Trace, t => t.Stage == "profile" && t.Subject == "people-in-production");
    }

    [Fact]
    public void Evaluate_WithoutExplain_HasNoTrace() => Assert.Null(Engine.Evaluate(Requests.Human()).Trace);
}
