using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl health</c> (what the Helm chart's test runs) against a running service: 0 when serving, 1 when not.</summary>
public sealed class HealthCommandTests
{
    private static Task<CliRun> Run(PolicyServiceFactory server, params string[] args) => CliRun.RunAsync(["health", .. args], _ =>
        Grpc.Net.Client.GrpcChannel.ForAddress(server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = server.Server.CreateHandler() }));

    [Fact]
    public async Task Health_IsServing_ForReadinessLivenessAndTheServer_AndNotForAnUnknownName()
    {
        using var server = new PolicyServiceFactory();

        var readiness = await Run(server);
        var liveness = await Run(server, "--service", "liveness");
        var whole = await Run(server, "--service", "");
        var unknown = await Run(server, "--service", "nothing-by-this-name");

        Assert.True(readiness.ExitCode == 0, readiness.Error);
        Assert.Equal("readiness: SERVING", readiness.Output.Trim());
        Assert.Equal(0, liveness.ExitCode);
        Assert.Equal("server: SERVING", whole.Output.Trim());
        Assert.NotEqual(0, unknown.ExitCode);
    }
}
