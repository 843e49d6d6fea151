using System.Text.Json;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl ssm-preferences</c>: the Session Manager preferences each environment's human profiles imply.</summary>
public sealed class SsmPreferencesCommandTests : TempFolder
{
    private static readonly string Shipped = CliRun.Shipped("default.yaml");

    private static (int Idle, int Max, JsonElement Inputs) Read(CliRun run)
    {
        using var doc = JsonDocument.Parse(run.Output);
        var root = doc.RootElement;
        Assert.Equal("1.0", root.GetProperty("schemaVersion").GetString());
        Assert.Equal("Standard_Stream", root.GetProperty("sessionType").GetString());
        var inputs = root.GetProperty("inputs").Clone();
        return (int.Parse(inputs.GetProperty("idleSessionTimeout").GetString()!), int.Parse(inputs.GetProperty("maxSessionDuration").GetString()!), inputs);
    }

    [Theory]
    [InlineData("production", 15, 60)]     // production-human: 1 h, 15 min idle
    [InlineData("prod", 15, 60)]           // an alias of production
    [InlineData("development", 60, 480)]   // workforce-human: 8 h, 1 h idle
    [InlineData("staging", 60, 480)]
    public async Task EachEnvironment_GetsItsHumanProfilesLimits_InMinutes(string environment, int idle, int max)
    {
        var run = await CliRun.RunAsync(["ssm-preferences", Shipped, "--environment", environment]);

        Assert.True(run.ExitCode == 0, run.Error);
        var (i, m, _) = Read(run);
        Assert.Equal((idle, max), (i, m));
    }

    [Fact]
    public async Task TheLoggingInputs_AreTheOnesGiven()
    {
        var run = await CliRun.RunAsync(["ssm-preferences", Shipped, "-e", "production", "--s3-bucket", "session-logs-123", "--s3-key-prefix", "ssm/",
            "--cloudwatch-log-group", "/aws/ssm/sessions", "--no-cloudwatch-encryption", "--kms-key-id", "alias/session-manager"]);

        Assert.True(run.ExitCode == 0, run.Error);
        var (_, _, inputs) = Read(run);
        Assert.Equal("session-logs-123", inputs.GetProperty("s3BucketName").GetString());
        Assert.Equal("ssm/", inputs.GetProperty("s3KeyPrefix").GetString());
        Assert.True(inputs.GetProperty("s3EncryptionEnabled").GetBoolean());
        Assert.Equal("/aws/ssm/sessions", inputs.GetProperty("cloudWatchLogGroupName").GetString());
        Assert.False(inputs.GetProperty("cloudWatchEncryptionEnabled").GetBoolean());
        Assert.Equal("alias/session-manager", inputs.GetProperty("kmsKeyId").GetString());
    }

    [Theory]
    [InlineData("""
        version: 1
        defaults: { max_session: 16m30s, idle_timeout: 30s }
        """, 1, 16)]                       // rounded down, but never below SSM's 1 minute
    [InlineData("""
        version: 1
        defaults: { max_session: 12h, idle_timeout: none }
        """, 60, 720)]                     // no idle timeout: SSM's longest, 60 minutes
    [InlineData("""
        version: 1
        defaults: { max_session: 1h, idle_timeout: 10m }
        guardrails:
          - name: no-people
            reason: people do not get sessions here
            when: { principal: { type: human } }
            action: deny
        """, 1, 1)]                        // denied: the shortest SSM allows
    [InlineData("""
        version: 1
        defaults: { max_session: 2h, idle_timeout: 20m }
        guardrails:
          - name: cli-is-short
            reason: command-line sessions are short
            when: { context: { channels: [cli] } }
            max_session: 30m
        """, 20, 30)]                      // the shortest of the sign-ins: never longer than any of them gets
    public async Task ThePolicysNumbers_BecomeMinutesSsmTakes_NeverLonger(string policy, int idle, int max)
    {
        var file = Write("policy.yaml", policy);

        var run = await CliRun.RunAsync(["ssm-preferences", file, "--environment", "any"]);

        Assert.True(run.ExitCode == 0, run.Error);
        var (i, m, _) = Read(run);
        Assert.Equal((idle, max), (i, m));
    }

    [Theory]
    [InlineData(new[] { "--environment", "moon" }, "--environment moon: the policy declares production, staging, development")]
    [InlineData(new[] { "-e", "production", "--s3-bucket", "Bad_Bucket" }, "s3BucketName must be an S3 bucket name")]
    [InlineData(new[] { "-e", "production", "--s3-key-prefix", "ssm/" }, "s3KeyPrefix needs s3BucketName")]
    [InlineData(new[] { "-e", "production", "--cloudwatch-log-group", "bad group" }, "cloudWatchLogGroupName must be")]
    public async Task WhatSsmWouldRefuse_IsRefused_AndNothingIsPrinted(string[] args, string message)
    {
        var run = await CliRun.RunAsync(["ssm-preferences", Shipped, .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains(message, run.Error);
    }
}
