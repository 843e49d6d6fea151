using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl ssm-status</c> against the service governing Session Manager in two regions of an SSM endpoint on loopback.</summary>
public sealed class SsmStatusCommandTests
{
    // A channel per run: each command disposes the one it is given.
    private static Task<CliRun> Run(SsmBed bed, params string[] args) => CliRun.RunAsync(["ssm-status", .. args], _ =>
        Grpc.Net.Client.GrpcChannel.ForAddress(bed.Sts.Server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = bed.Sts.Server.Server.CreateHandler() }));

    [Fact]
    public async Task SsmStatus_ShowsEachRegionsPreferencesAndSessions_AndTheFleetCoverage()
    {
        await using var bed = await SsmBed.StartAsync(prepare: ssm =>
        {
            ssm.AddSession("eu-west-1", new SsmSession("alice-1", "i-01", "arn:aws:iam::123456789012:user/alice", DateTimeOffset.UtcNow.AddMinutes(-5)));
        });
        await bed.FirstRoundAsync();
        await bed.SessionsRoundAsync(TimeSpan.FromSeconds(30));
        bed.Ssm.EditDocument("us-east-1", SsmBed.Document, bed.Ssm.Document("us-east-1", SsmBed.Document)!.Replace("\"maxSessionDuration\": \"480\"", "\"maxSessionDuration\": \"1440\"", StringComparison.Ordinal));
        await bed.RoundAsync(TimeSpan.FromMinutes(5));

        var table = await Run(bed);
        var json = await Run(bed, "--json");

        Assert.True(table.ExitCode == 0, table.Error);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.Matches(@"^eu-west-1\s+production\s+in-sync\s+15\s+60\s+1\s+0 \d{4}-", lines.Single(l => l.StartsWith("eu-west-1", StringComparison.Ordinal)));
        Assert.Matches(@"^us-east-1\s+development\s+drifted\s+60\s+480\s+0\s+0 ", lines.Single(l => l.StartsWith("us-east-1", StringComparison.Ordinal)));
        Assert.Equal("fleet coverage: 50.0% of 2 regions match the policy", lines[^1]);
        using var doc = JsonDocument.Parse(json.Output);
        Assert.Equal(0.5, doc.RootElement.GetProperty("fleetCoverage").GetDouble());
        Assert.Equal("SSM_PREFERENCES_STATE_DRIFTED", doc.RootElement.GetProperty("regions")[1].GetProperty("preferences").GetString());
    }

    [Fact]
    public async Task SsmStatus_WhenNotGoverned_SaysWhichSettingTurnsItOn()
    {
        await using var bed = await RevocationBed.StartAsync();

        var run = await CliRun.RunAsync(["ssm-status"], _ =>
            Grpc.Net.Client.GrpcChannel.ForAddress(bed.Sts.Server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = bed.Sts.Server.Server.CreateHandler() }));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("FailedPrecondition: Session Manager is not governed: set SessionPolicy:Ssm:Enabled to true", run.Error);
    }
}
