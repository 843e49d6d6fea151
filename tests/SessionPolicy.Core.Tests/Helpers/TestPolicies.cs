using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Tests.Helpers;

/// <summary>Builds engines from YAML snippets, as operators write them.</summary>
internal static class TestPolicies
{
    public static PolicyEngine Engine(string yaml)
    {
        var result = PolicyParser.Parse(yaml);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Problems));
        return new PolicyEngine(result.Policy!, result.Version);
    }

    /// <summary>A policy with one profile for every request and the given guardrails and limits.</summary>
    public static PolicyEngine Single(string maxSession, string idle = "15m", string limits = "", string guardrails = "") => Engine($$"""
        version: 1
        {{limits}}
        defaults: { max_session: {{maxSession}}, idle_timeout: {{idle}} }
        {{guardrails}}
        """);
}
