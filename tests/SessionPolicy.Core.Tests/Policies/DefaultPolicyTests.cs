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

    private const string Dev = "development";
    private static readonly Dictionary<string, string> Batch = new() { ["session-policy:workload"] = "batch" };

    public static TheoryData<string, SessionRequest, string, int, int, Outcome> Guidance => new()
    {
        { "production people: 1h, 15m idle", Requests.Human(environment: "production"), "production-human", 3600, 900, Outcome.Allow },
        { "Production, capitalised, is production", Requests.Human(environment: "Production", mfa: null), "production-human", 3600, 900, Outcome.Reauthenticate },
        { "no environment is production", Requests.Human(), "production-human", 3600, 900, Outcome.Allow },
        { "an undeclared environment is production", Requests.Human(environment: "qa-7"), "production-human", 3600, 900, Outcome.Allow },
        { "people elsewhere: 8h, NIST AAL2 idle 1h", Requests.Human(environment: Dev), "workforce-human", 8 * 3600, 3600, Outcome.Allow },
        { "admins, any case: 1h, 15m idle", Requests.Human(environment: Dev, arn: "arn:aws:iam::123456789012:role/PlatformADMIN"), "privileged-human", 3600, 900, Outcome.Allow },
        { "break glass: 15m, 5m idle", Requests.Human(groups: ["break-glass"], arn: "arn:aws:iam::123456789012:role/break-glass-admin"), "break-glass", 900, 300, Outcome.Allow },
        { "card data: PCI 15m idle", Requests.Human(environment: Dev, roleTags: new() { ["data-classification"] = "cardholder" }), "workforce-human", 8 * 3600, 900, Outcome.Allow },
        { "AAL3 role: NIST AAL3 15m idle", Requests.Human(environment: Dev, assurance: Assurance.Aal3, roleTags: new() { ["session-policy:assurance"] = "aal3" }), "workforce-human", 8 * 3600, 900, Outcome.Allow },
        { "AAL3 role at AAL2: re-authenticate", Requests.Human(environment: Dev, roleTags: new() { ["session-policy:assurance"] = "aal3" }), "workforce-human", 8 * 3600, 900, Outcome.Reauthenticate },
        { "batch: 12h, no idle", Requests.Service(environment: Dev, roleTags: Batch), "batch-automation", 12 * 3600, 0, Outcome.Allow },
        { "a workload with no explicit profile: the 1h default", Requests.Service(environment: Dev), "default", 3600, 900, Outcome.Allow },
        { "production automation: 1h", Requests.Service(environment: "production", roleTags: Batch), "production-automation", 3600, 0, Outcome.Allow },
        { "no MFA: 1h, 15m idle", Requests.Human(environment: Dev, mfa: false), "workforce-human", 3600, 900, Outcome.Allow },
        { "MFA not said: as no MFA", Requests.Human(environment: Dev, mfa: null), "workforce-human", 3600, 900, Outcome.Allow },
        { "no assurance level: below AAL2", Requests.Human(environment: Dev, assurance: Assurance.None), "workforce-human", 3600, 900, Outcome.Allow },
        { "device not assessed: as unmanaged", Requests.Human(environment: Dev, device: DeviceTrustLevel.Unknown), "workforce-human", 4 * 3600, 900, Outcome.Allow },
        { "no MFA in production: re-authenticate", Requests.Human(mfa: false, environment: "production"), "production-human", 3600, 900, Outcome.Reauthenticate },
        { "high risk: re-authenticate", Requests.Human(environment: Dev, risk: 75), "workforce-human", 900, 300, Outcome.Reauthenticate },
        { "critical risk: deny", Requests.Human(environment: Dev, risk: 95), "workforce-human", 900, 300, Outcome.Deny },
        { "public address: 1h", Requests.Human(environment: Dev, ip: "203.0.113.9"), "workforce-human", 3600, 3600, Outcome.Allow },
        { "no address: 1h", Requests.Human(environment: Dev, ip: null), "workforce-human", 3600, 3600, Outcome.Allow },
        { "office address: untouched", Requests.Human(environment: Dev, ip: "10.20.30.40"), "workforce-human", 8 * 3600, 3600, Outcome.Allow },
        { "cross-account: 1h", Requests.Human(environment: Dev, crossAccount: true), "workforce-human", 3600, 3600, Outcome.Allow },
        { "role chaining: 1h", Requests.Service(environment: Dev, chaining: true, roleTags: Batch), "batch-automation", 3600, 0, Outcome.Allow },
        { "a workload admin: 1h", Requests.Service(environment: Dev, arn: "arn:aws:iam::123456789012:role/ClusterAdmin", roleTags: Batch), "batch-automation", 3600, 0, Outcome.Allow },
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
