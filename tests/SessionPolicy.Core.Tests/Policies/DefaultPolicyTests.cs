using System.Text.Json;
using Json.Schema;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Policies;

public sealed class DefaultPolicyTests
{
    private static readonly PolicyLoadResult Loaded = DefaultPolicy.Load();
    private static readonly PolicyEngine Engine = new(Loaded.Policy!, Loaded.Version);
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "policies", "policy.schema.json")));

    [Fact]
    public void DefaultPolicy_LoadsWithoutErrorsOrWarnings() => Assert.Empty(Loaded.Problems);

    [Fact]
    public void DefaultPolicy_EmbeddedCopyIsTheShippedFile() =>
        Assert.Equal(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "policies", "default.yaml")), DefaultPolicy.ReadBytes());

    [Fact]
    public void Schema_AcceptsTheDefaultPolicy()
    {
        var result = Evaluate(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "policies", "default.yaml")));

        Assert.True(result.IsValid, JsonSerializer.Serialize(result));
    }

    [Theory]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofils: []\n")]
    [InlineData("version: 1\ndefaults: { max_session: 1 hour, idle_timeout: 15m }\n")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - { name: p, max_session: 1h, idle_timeout: 5m, match: { principal: { type: robot } } }\n")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nguardrails:\n  - { name: g, max_session: 1h }\n")]
    public void Schema_RejectsWhatTheParserRejects(string yaml)
    {
        Assert.False(PolicyParser.Parse(yaml).IsValid);
        Assert.False(Evaluate(yaml).IsValid);
    }

    private static EvaluationResults Evaluate(string yaml) =>
        Schema.Evaluate(JsonSerializer.SerializeToElement(YamlJson.Convert(yaml)), new EvaluationOptions { OutputFormat = OutputFormat.List });

    public static TheoryData<string, SessionRequest, string, int, int, Outcome> Guidance => new()
    {
        { "production people: 1h, 15m idle", Requests.Human(environment: "production"), "production-human", 3600, 900, Outcome.Allow },
        { "people elsewhere: 8h, NIST AAL2 idle 1h", Requests.Human(), "workforce-human", 8 * 3600, 3600, Outcome.Allow },
        { "AAL3 people: 12h, 15m idle", Requests.Human(assurance: Assurance.Aal3), "high-assurance-human", 12 * 3600, 900, Outcome.Allow },
        { "admins: 1h, 15m idle", Requests.Human(arn: Requests.AdminArn), "privileged-human", 3600, 900, Outcome.Allow },
        { "break glass: 15m, 5m idle", Requests.Human(groups: ["break-glass"], arn: "arn:aws:iam::123456789012:role/break-glass-admin"), "break-glass", 900, 300, Outcome.Allow },
        { "card data: PCI 15m idle", Requests.Human(roleTags: new() { ["data-classification"] = "cardholder" }), "card-data-human", 3600, 900, Outcome.Allow },
        { "batch: 12h, no idle", Requests.Service(), "batch-automation", 12 * 3600, 0, Outcome.Allow },
        { "production automation: 1h", Requests.Service(environment: "production"), "production-automation", 3600, 0, Outcome.Allow },
        { "no MFA: 1h, 15m idle", Requests.Human(mfa: false), "workforce-human", 3600, 900, Outcome.Allow },
        { "no MFA in production: re-authenticate", Requests.Human(mfa: false, environment: "production"), "production-human", 3600, 900, Outcome.Reauthenticate },
        { "high risk: re-authenticate", Requests.Human(risk: 75), "workforce-human", 900, 300, Outcome.Reauthenticate },
        { "critical risk: deny", Requests.Human(risk: 95), "workforce-human", 900, 300, Outcome.Deny },
        { "public address: 1h", Requests.Human(ip: "203.0.113.9"), "workforce-human", 3600, 3600, Outcome.Allow },
        { "office address: untouched", Requests.Human(ip: "10.20.30.40"), "workforce-human", 8 * 3600, 3600, Outcome.Allow },
        { "cross-account: 1h", Requests.Human(crossAccount: true), "workforce-human", 3600, 3600, Outcome.Allow },
        { "role chaining: 1h", Requests.Service(chaining: true), "batch-automation", 3600, 0, Outcome.Allow },
    };

    [Theory]
    [MemberData(nameof(Guidance))]
    public void DefaultPolicy_FollowsPublicGuidance(string because, SessionRequest request, string profile, int max, int idle, Outcome outcome)
    {
        var d = Engine.Evaluate(request);

        Assert.True((profile, max, idle, outcome) == (d.Profile, d.MaxSessionSeconds, d.IdleTimeoutSeconds, d.Outcome),
            $"{because}: got {d.Profile} {d.MaxSessionSeconds}s idle {d.IdleTimeoutSeconds}s {d.Outcome}");
    }

    [Fact]
    public void DefaultPolicy_NeverExceedsTwelveHours()
    {
        Assert.All(Loaded.Policy!.Profiles, p => Assert.InRange(p.MaxSessionSeconds, StsLimits.MinDurationSeconds, StsLimits.MaxDurationSeconds));
        Assert.Equal(StsLimits.MaxDurationSeconds, Loaded.Policy.MaxSessionSeconds);
    }
}
