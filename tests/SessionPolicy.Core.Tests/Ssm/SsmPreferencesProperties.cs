using CsCheck;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Ssm;
using SessionPolicy.Core.Tests.Helpers;

namespace SessionPolicy.Core.Tests.Ssm;

/// <summary>
/// Session Manager preferences over generated policies: never longer than what the policy decides for a person there,
/// always within SSM's ranges, and a document SSM takes; and the document checker refuses what SSM refuses.
/// </summary>
public sealed class SsmPreferencesProperties
{
    [Fact]
    public void ThePreferences_AreNeverLongerThanThePolicy_AndAlwaysWhatSsmTakes()
    {
        Gen.Select(Gen.Int[900, 43200], Gen.Int[0, 7200], Gen.Int[0, 43200], Gen.Bool).Sample((max, idle, guardrail, onCli) =>
        {
            var engine = TestPolicies.Engine($$"""
                version: 1
                defaults: { max_session: {{max}}s, idle_timeout: {{(idle == 0 ? "none" : $"{idle}s")}} }
                guardrails:
                  - name: shorter
                    reason: shorter somewhere
                    when: { context: { channels: [{{(onCli ? "cli" : "web")}}] } }
                    max_session: {{Math.Max(900, guardrail)}}s
                """);
            var limits = SsmPreferences.Limits(engine, "");
            var shortest = SignIns.Favourable("p", PrincipalKind.Human, SsmPreferences.SessionRole, SessionRequest.NoAttributes, "")
                .Min(r => engine.Evaluate(r).MaxSessionSeconds);
            var document = SsmPreferences.Render(limits, new SsmLogging());
            return limits.MaxMinutes * 60 <= Math.Max(60, shortest)
                && limits.MaxMinutes is >= 1 and <= 1440 && limits.IdleMinutes is >= 1 and <= 60
                && (idle == 0 || limits.IdleMinutes * 60 <= Math.Max(60, Math.Min(idle, shortest)))
                && SsmPreferences.Check(document).Count == 0
                && SsmPreferences.ReadLimits(document) == (limits.IdleMinutes, limits.MaxMinutes);
        }, iter: 300);
    }

    [Theory]
    [InlineData("""{"schemaVersion":"2.2","sessionType":"Standard_Stream","inputs":{}}""", "schemaVersion must be \"1.0\"")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Port","inputs":{}}""", "sessionType must be \"Standard_Stream\"")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"idleSessionTimeout":"61"}}""", "inputs.idleSessionTimeout must be a whole number of minutes from 1 to 60")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"idleSessionTimeout":"0"}}""", "inputs.idleSessionTimeout must be")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"maxSessionDuration":"1441"}}""", "inputs.maxSessionDuration must be a whole number of minutes from 1 to 1440")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"maxSessionDuration":"2.5"}}""", "inputs.maxSessionDuration must be")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"s3EncryptionEnabled":"yes"}}""", "inputs.s3EncryptionEnabled must be true or false")]
    [InlineData("""{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":[]}""", "inputs must be an object")]
    [InlineData("not json", "the content is not JSON")]
    public void TheChecker_RefusesWhatSsmRefuses(string content, string problem)
    {
        Assert.Contains(SsmPreferences.Check(content), p => p.StartsWith(problem, StringComparison.Ordinal));
        Assert.Null(SsmPreferences.ReadLimits(content));
    }

    [Fact]
    public void TwoDocuments_WithTheSameSettings_AreTheSame_WhateverTheirDescriptionOrSpelling()
    {
        var ours = SsmPreferences.Render(new SsmLimits("production", 15, 60, []), new SsmLogging());
        var respelled = ours.Replace("\"15\"", "15").Replace("from the session policy", "edited by hand").Replace("\n", "");
        var changed = ours.Replace("\"60\"", "\"120\"");

        Assert.True(SsmPreferences.SameSettings(ours, respelled));
        Assert.False(SsmPreferences.SameSettings(ours, changed));
        Assert.False(SsmPreferences.SameSettings(ours, "not json"));
    }
}
