using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl revocations</c> against the service with revocation on, IAM on loopback.</summary>
public sealed class RevocationsCommandTests
{
    // A channel per run: each command disposes the one it is given.
    private static Task<CliRun> Run(RevocationBed bed, params string[] args) => CliRun.RunAsync(["revocations", .. args], _ =>
        Grpc.Net.Client.GrpcChannel.ForAddress(bed.Sts.Server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = bed.Sts.Server.Server.CreateHandler() }));

    [Fact]
    public async Task Revocations_ShowsEachRolesDeniedSessions_AndWhenEachIsRemoved()
    {
        await using var bed = await RevocationBed.StartAsync();
        var ended = await bed.IssueAsync("etl-a");
        await bed.IssueAsync("etl-b");
        await bed.Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = ended.SessionId, Actor = "secops" });
        await bed.PolicyWhenAsync(p => p.Contains(ended.SessionId, StringComparison.Ordinal));
        await Until.TrueAsync(async () => (await bed.Credentials.ListRevocationsAsync(new ListRevocationsRequest())).Roles.Any(r => r.State == RevocationState.Written), "written");

        var table = await Run(bed);
        var json = await Run(bed, "--json", "--role", StsTestBed.LongRole);

        Assert.True(table.ExitCode == 0, table.Error);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("policy SessionPolicyRevocations", lines[0].Trim());
        Assert.StartsWith($"{StsTestBed.LongRole}  written ", lines[1]);
        var row = Assert.Single(lines, l => l.Contains(ended.SessionId, StringComparison.Ordinal));
        Assert.Matches(@"^  session\s+\S+\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", row.TrimEnd());
        var removedAt = DateTimeOffset.Parse(row.TrimEnd()[^20..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(removedAt >= ended.Credentials.Expiration.ToDateTimeOffset().AddSeconds(-1));

        Assert.True(json.ExitCode == 0, json.Error);
        using var doc = JsonDocument.Parse(json.Output);
        var entry = doc.RootElement.GetProperty("roles")[0].GetProperty("entries")[0];
        Assert.Equal(ended.SessionId, entry.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Revocations_WhenTheServiceHasItOff_SaysWhichSettingTurnsItOn()
    {
        await using var bed = await RevocationBed.StartAsync(new Dictionary<string, string?> { ["SessionPolicy:Revocation:Enabled"] = "false" });

        var run = await Run(bed);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("FailedPrecondition", run.Error, StringComparison.Ordinal);
        Assert.Contains("SessionPolicy:Revocation:Enabled", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Revocations_OfARoleThatIsNotAnArn_IsRefusedByTheServer()
    {
        await using var bed = await RevocationBed.StartAsync();

        var run = await Run(bed, "--role", "Batch");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("InvalidArgument", run.Error, StringComparison.Ordinal);
    }
}
