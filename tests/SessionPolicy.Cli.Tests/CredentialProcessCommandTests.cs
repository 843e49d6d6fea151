using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl credential-process</c> against the service and an STS-compatible endpoint.</summary>
public sealed class CredentialProcessCommandTests : IAsyncLifetime
{
    private StsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(["credential-process", .. args], _ => _bed.Server.Channel);

    [Fact]
    public async Task CredentialProcess_PrintsTheVersion1JsonAwsSdksRead()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--requested", "1800", "--tag", "team=data");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("Version").GetInt32());
        Assert.StartsWith("ASIA", root.GetProperty("AccessKeyId").GetString());
        Assert.NotEmpty(root.GetProperty("SecretAccessKey").GetString()!);
        Assert.NotEmpty(root.GetProperty("SessionToken").GetString()!);
        var expiration = root.GetProperty("Expiration").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", expiration);
        Assert.InRange((DateTimeOffset.Parse(expiration, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow).TotalSeconds, 1500, 1805);

        var call = Assert.Single(_bed.Sts.Calls);
        Assert.Equal(1800, call.DurationSeconds);
        Assert.Equal("etl-nightly", call.RoleSessionName);
        Assert.Contains(new KeyValuePair<string, string>("team", "data"), call.Tags);
    }

    [Fact]
    public async Task CredentialProcess_Denied_PrintsNothingOnStdoutAndFails()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--risk", "95");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains("PermissionDenied", run.Error);
        Assert.Empty(_bed.Sts.Calls);
    }

    [Fact]
    public async Task CredentialProcess_BadSessionName_ExitsOneWithTheFieldNamed()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--session-name", "has spaces");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("InvalidArgument: role_session_name", run.Error);
    }
}
