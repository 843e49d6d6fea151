using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.Policies;

public sealed class PolicyParserTests
{
    private static PolicyProblem SingleError(string yaml)
    {
        var result = PolicyParser.Parse(yaml);
        Assert.False(result.IsValid);
        return Assert.Single(result.Errors);
    }

    [Theory]
    // Each row: a policy with one mistake, the line and column of it, the path, and a word of the message.
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofils: []\n", 3, 1, "profils", "unknown key")]
    [InlineData("version: 2\ndefaults: { max_session: 1h, idle_timeout: 15m }\n", 1, 10, "version", "between 1 and 1")]
    [InlineData("defaults: { max_session: 1h, idle_timeout: 15m }\n", 1, 1, "version", "is required")]
    [InlineData("version: 1\n", 1, 1, "defaults", "is required")]
    [InlineData("version: 1\ndefaults: { max_session: 1 hour, idle_timeout: 15m }\n", 2, 26, "defaults.max_session", "duration")]
    [InlineData("version: 1\ndefaults: { max_session: 30m1h, idle_timeout: 15m }\n", 2, 26, "defaults.max_session", "duration")]
    [InlineData("version: 1\ndefaults: { max_session: 1h }\n", 2, 11, "defaults.idle_timeout", "is required")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { context: { source_cidrs: [10.0.0.0/33] } }\n", 7, 40, "profiles[0].match.context.source_cidrs[0]", "CIDR")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { role: { accounts: ['12345'] } }\n", 7, 33, "profiles[0].match.role.accounts[0]", "12-digit")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { role: { arns: ['Admin'] } }\n", 7, 29, "profiles[0].match.role.arns[0]", "IAM role ARN")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { principal: { type: robot } }\n", 7, 33, "profiles[0].match.principal.type", "human, service")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { context: { risk_score_at_least: 101 } }\n", 7, 46, "profiles[0].match.context.risk_score_at_least", "between 0 and 100")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { context: { mfa: maybe } }\n", 7, 30, "profiles[0].match.context.mfa", "true or false")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { principal: { groups: [] } }\n", 7, 35, "profiles[0].match.principal.groups", "1..1000")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - max_session: 1h\n    idle_timeout: 5m\n", 4, 5, "profiles[0].name", "is required")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - { name: a, max_session: 1h, idle_timeout: 5m }\n  - { name: a, max_session: 2h, idle_timeout: 5m }\n", 5, 13, "profiles[1].name", "already used")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nguardrails:\n  - { name: g, when: { context: { mfa: false } } }\n", 4, 5, "guardrails[0]", "does nothing")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nguardrails:\n  - { name: g, max_session: 1h }\n", 4, 5, "guardrails[0].when", "is required")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nguardrails:\n  - { name: g, when: { context: { mfa: false } }, max_session: 1h, action: ban }\n", 4, 76, "guardrails[0].action", "shorten, reauthenticate, deny")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - name: p\n    max_session: 1h\n    idle_timeout: 5m\n    match: { context: { min_assurance: aal3, below_assurance: aal2 } }\n", 7, 23, "profiles[0].match.context", "match nothing")]
    [InlineData("version: 1\ndefaults: [1h, 15m]\n", 2, 11, "defaults", "mapping")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles: { name: p }\n", 3, 11, "profiles", "list")]
    public void Parse_OneMistake_ReportsItWithLocation(string yaml, int line, int column, string path, string message)
    {
        var error = SingleError(yaml);

        Assert.Equal((line, column, path), (error.Line, error.Column, error.Path));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Parse_YamlSyntaxError_ReportsLineAndColumn()
    {
        var error = SingleError("version: 1\ndefaults: { max_session: 1h\nprofiles: [\n");

        Assert.StartsWith("YAML syntax", error.Message);
        Assert.True(error.Line >= 2, error.ToString());
    }

    [Fact]
    public void Parse_DuplicateKey_IsAnError()
    {
        var result = PolicyParser.Parse("version: 1\nversion: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\n");

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Line == 2);
    }

    [Fact]
    public void Parse_ManyMistakes_ReportsEveryOneInFileOrder()
    {
        var result = PolicyParser.Parse("""
            version: 1
            defaults: { max_session: forever, idle_timeout: 15m }
            profiles:
              - { name: a, max_session: 1h, idle_timeout: 5m, match: { principal: { type: robot } } }
              - { name: b, max_session: 1x, idle_timeout: 5m }
            guardrails:
              - { name: g, when: { context: { channels: [fax] } }, max_session: 1h }
            """);

        Assert.False(result.IsValid);
        Assert.Null(result.Policy);
        Assert.Equal([2, 4, 5, 7], result.Errors.Select(e => e.Line));
    }

    [Fact]
    public void Parse_UnreadableValue_RaisesNoWarningAboutItsStandIn()
    {
        var result = PolicyParser.Parse("version: 1\ndefaults: { max_session: 1h, idle_timeout: whenever }\n");

        Assert.Single(result.Errors);
        Assert.Empty(result.Warnings);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("shared_state: best_effort\n", false)]
    [InlineData("shared_state: strict\n", true)]
    public void Parse_SharedState_DefaultsToBestEffort(string line, bool strict)
    {
        var result = PolicyParser.Parse($"version: 1\n{line}defaults: {{ max_session: 1h, idle_timeout: 15m }}\n");

        Assert.Equal(strict, result.Policy!.StrictSharedState);
    }

    [Fact]
    public void Parse_UnknownSharedState_IsAnError() =>
        Assert.Equal("shared_state", SingleError("version: 1\nshared_state: maybe\ndefaults: { max_session: 1h, idle_timeout: 15m }\n").Path);

    [Fact]
    public void Parse_EmptyFile_IsAnError() => Assert.Contains("empty", SingleError("").Message);

    [Theory]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: none }\n", "defaults.idle_timeout", "no idle timeout")]
    [InlineData("version: 1\ndefaults: { max_session: 13h, idle_timeout: 15m }\n", "defaults.max_session", "above 12h")]
    [InlineData("version: 1\nlimits: { max_session: 13h }\ndefaults: { max_session: 1h, idle_timeout: 15m }\n", "limits.max_session", "above 12h")]
    [InlineData("version: 1\ndefaults: { max_session: 10m, idle_timeout: 5m }\n", "defaults.max_session", "below 15m")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 2h }\n", "defaults.idle_timeout", "longer than max_session")]
    [InlineData("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - { name: people, match: { principal: { type: human } }, max_session: 8h, idle_timeout: none }\n", "profiles[0].idle_timeout", "no idle timeout")]
    public void Parse_DangerousPolicy_LoadsWithWarning(string yaml, string path, string message)
    {
        var result = PolicyParser.Parse(yaml);

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(path, warning.Path);
        Assert.Contains(message, warning.Message);
    }

    [Fact]
    public void Parse_ServiceProfileWithoutIdle_IsNotFlagged()
    {
        var result = PolicyParser.Parse("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - { name: bots, match: { principal: { type: service } }, max_session: 12h, idle_timeout: none }\n");

        Assert.True(result.IsValid);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void Parse_SameBytes_SameVersion_DifferentBytes_DifferentVersion()
    {
        const string yaml = "version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\n";

        Assert.Equal(PolicyParser.Parse(yaml).Version, PolicyParser.Parse(yaml).Version);
        Assert.NotEqual(PolicyParser.Parse(yaml).Version, PolicyParser.Parse(yaml + "# changed\n").Version);
        Assert.StartsWith("sha256:", PolicyParser.Parse(yaml).Version);
    }
}
