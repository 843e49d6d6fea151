using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Cli.Tests;

public sealed class DecideCommandTests : IDisposable
{
    private readonly PolicyServiceFactory _server = new();

    public void Dispose() => _server.Dispose();

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args, _ => _server.Channel);

    [Fact]
    public async Task Decide_AgainstServer_PrintsTheDecision()
    {
        var run = await Run("decide", "--principal", "alice", "--role", "arn:aws:iam::123456789012:role/Dev", "--environment", "production", "--mfa", "true");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("max session:    3600s (bound by profile)", run.Output);
        Assert.Contains("profile:        production-human", run.Output);
    }

    [Fact]
    public async Task Decide_Json_PrintsTheContractShape()
    {
        var run = await Run("decide", "-p", "etl", "--type", "service", "-r", "arn:aws:iam::123456789012:role/etl", "--role-tag", "session-policy:workload=batch", "-e", "staging", "--role-chaining", "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(3600, json.RootElement.GetProperty("maxSessionSeconds").GetInt32());
        Assert.Equal("CONSTRAINT_ROLE_CHAINING", json.RootElement.GetProperty("bindingConstraint").GetString());
    }

    [Fact]
    public async Task Explain_PrintsTheTrace()
    {
        var run = await Run("explain", "-p", "alice", "-r", "arn:aws:iam::123456789012:role/Dev", "--mfa", "false", "--risk", "75");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("outcome:        reauthenticate", run.Output);
        Assert.Contains("trace:", run.Output);
        Assert.Contains("high-risk", run.Output);
    }

    [Fact]
    public async Task Decide_InvalidRequest_ExitsOneWithTheServersFieldError()
    {
        var run = await Run("decide", "-p", "alice", "-r", "arn:aws:s3:::bucket");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("InvalidArgument: role.arn", run.Error);
    }

    [Fact]
    public async Task Decide_MissingRequiredOption_ExitsNonZero()
    {
        var run = await Run("decide", "-p", "alice");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--role", run.Error);
    }

    [Fact]
    public async Task Decide_BadKeyValue_ExitsTwo()
    {
        var run = await Run("decide", "-p", "alice", "-r", "arn:aws:iam::123456789012:role/Dev", "--attribute", "novalue");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("expected KEY=VALUE", run.Error);
    }

    [Fact]
    public async Task Decide_NoServer_ExitsTwoSayingUnavailable()
    {
        var run = await CliRun.RunAsync(["decide", "-p", "alice", "-r", "arn:aws:iam::123456789012:role/Dev", "--server", "http://127.0.0.1:1"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unavailable", run.Error);
    }
}
