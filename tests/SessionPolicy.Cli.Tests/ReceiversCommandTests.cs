using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl receivers</c> against the service with a receiver configured.</summary>
public sealed class ReceiversCommandTests : IDisposable
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"receivers-{Guid.NewGuid():N}.pem");
    private readonly PolicyServiceFactory _server;

    public ReceiversCommandTests()
    {
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256)) File.WriteAllText(_keyFile, key.ExportECPrivateKeyPem());
        _server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:SecurityEventTokens:KeyFile"] = _keyFile,
            ["SessionPolicy:SecurityEventTokens:Issuer"] = "https://session-policy.test",
            ["SessionPolicy:Receivers:List:0:Name"] = "portal",
            ["SessionPolicy:Receivers:List:0:Kind"] = "oidc-backchannel",
            ["SessionPolicy:Receivers:List:0:Url"] = "https://portal.example.com/backchannel",
            ["SessionPolicy:Receivers:List:0:Audiences:0"] = "portal",
            ["SessionPolicy:Receivers:List:0:AuthorizationHeader"] = "Bearer portal-secret",
        });
    }

    public void Dispose()
    {
        _server.Dispose();
        File.Delete(_keyFile);
    }

    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(["receivers", .. args], _ => _server.Channel);

    [Fact]
    public async Task Receivers_PrintsEachWithItsLagAndCounts_NeverItsAuthorization()
    {
        var run = await Run();

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", lines[0]);
        Assert.Matches(@"^portal\s+oidc-backchannel\s+0\s+0\s+0\s+0\s+-\s+-", lines[1]);
        Assert.Contains("https://portal.example.com/backchannel for portal, with an authorization header", lines[2]);
        Assert.DoesNotContain("portal-secret", run.Output);
    }

    [Fact]
    public async Task Receivers_Json_IsTheServersAnswer()
    {
        var run = await Run("--json");

        using var json = JsonDocument.Parse(run.Output);
        var receiver = json.RootElement.GetProperty("receivers")[0];
        Assert.Equal("portal", receiver.GetProperty("name").GetString());
        Assert.True(receiver.GetProperty("hasAuthorization").GetBoolean());
        Assert.DoesNotContain("portal-secret", run.Output);
    }

    private Task<CliRun> RunFresh(params string[] args) => CliRun.RunAsync(["receivers", .. args],
        _ => Grpc.Net.Client.GrpcChannel.ForAddress(_server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = _server.Server.CreateHandler() }));

    [Fact]
    public async Task RegisterThenRemove_AddsAndRemovesTheReceiver_TheHeaderReadFromAFile()
    {
        var headerFile = Path.Combine(Path.GetTempPath(), $"header-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(headerFile, "Bearer from-a-file\n");
        try
        {
            var registered = await RunFresh("register", "--name", "wiki", "--kind", "ssf-push", "--url", "https://wiki.example.com/events",
                "--audience", "wiki", "--subject-format", "email", "--authorization-header-file", headerFile);
            var listed = await RunFresh("--json");
            var removed = await RunFresh("remove", "wiki");
            var after = await RunFresh();

            Assert.Equal((0, ""), (registered.ExitCode, registered.Error));
            Assert.Contains("registered wiki (ssf-push) at https://wiki.example.com/events for wiki, with an authorization header", registered.Output);
            using var json = JsonDocument.Parse(listed.Output);
            var wiki = json.RootElement.GetProperty("receivers")[1];
            Assert.Equal(("wiki", "api", "email"), (wiki.GetProperty("name").GetString(), wiki.GetProperty("source").GetString(), wiki.GetProperty("subjectFormat").GetString()));
            Assert.DoesNotContain("from-a-file", listed.Output);
            Assert.Equal((0, "removed wiki"), (removed.ExitCode, removed.Output.Trim()));
            Assert.DoesNotContain("wiki", after.Output);
        }
        finally
        {
            File.Delete(headerFile);
        }
    }

    [Fact]
    public async Task Register_WithABadField_FailsNamingIt()
    {
        var run = await RunFresh("register", "--name", "wiki", "--kind", "carrier-pigeon", "--url", "https://wiki.example.com/events", "--audience", "wiki");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("kind", run.Error);
    }
}
