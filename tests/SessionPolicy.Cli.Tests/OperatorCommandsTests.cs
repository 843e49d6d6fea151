using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl logout</c>, <c>sessions</c>, <c>signal</c> and <c>tail</c> against the service.</summary>
public sealed class OperatorCommandsTests : IDisposable
{
    private readonly PolicyServiceFactory _server = new();

    public void Dispose() => _server.Dispose();

    // A channel per run: each command disposes the one it is given.
    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(args, _ =>
        Grpc.Net.Client.GrpcChannel.ForAddress(_server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = _server.Server.CreateHandler() }));

    private async Task<string> RegisterAsync(string principal, string id = "")
    {
        var request = new RegisterSessionRequest
        {
            Principal = new Principal { Id = principal, Type = PrincipalType.Human },
            Role = new Role { Arn = "arn:aws:iam::123456789012:role/ReadOnly" },
            Context = new RequestContext { Environment = "development", Mfa = true },
            ExternalSessionId = id,
            Audiences = { "app-a" },
        };
        return (await new SessionEventsService.SessionEventsServiceClient(_server.Channel).RegisterSessionAsync(request)).Session.SessionId;
    }

    [Fact]
    public async Task Logout_EndsThePrincipalsSessions_AndSaysWhich()
    {
        var id = await RegisterAsync("alice");

        var run = await Run("logout", "--principal", "alice", "--detail", "laptop stolen");
        var again = await Run("logout", "--principal", "alice");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Matches($@"^ended 1 session\(s\), event [0-9a-f]+: {id}", run.Output);
        Assert.Equal("no running session to end", again.Output.Trim());
    }

    [Theory]
    [InlineData(new string[0], "name exactly one of --session, --principal and --role")]
    [InlineData(new[] { "--session", "a", "--principal", "b" }, "name exactly one")]
    [InlineData(new[] { "--session", "a", "--reason", "bored" }, "--reason bored: not one of")]
    public async Task Logout_WithoutOneTargetOrWithAnUnknownReason_IsRefusedBeforeCallingTheServer(string[] args, string message)
    {
        var run = await Run(["logout", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task Logout_OfAnUnknownSession_PrintsTheServersAnswer()
    {
        var run = await Run("logout", "--session", "nobody");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(": NotFound: session nobody is not registered", run.Error);
    }

    [Fact]
    public async Task Sessions_ListsEveryPage_FilteredByState()
    {
        var ids = new List<string>();
        for (var i = 0; i < 120; i++) ids.Add(await RegisterAsync($"bulk-{i % 7}", id: $"s-{i:D3}"));
        await Run("logout", "--session", "s-000");

        var active = await Run("sessions", "--state", "active");
        var ended = await Run("sessions", "--state", "ended");

        Assert.True(active.ExitCode == 0, active.Error);
        var rows = active.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.Equal(ids.Skip(1), rows.Select(r => r.Split(' ')[0]));
        Assert.All(rows, r => Assert.Contains(" active ", r));
        Assert.Equal(["s-000"], ended.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(r => r.Split(' ')[0]));
    }

    [Fact]
    public async Task Signal_DisablingAPrincipal_EndsItsSessions()
    {
        var id = await RegisterAsync("mallory");

        var run = await Run("signal", "--principal", "mallory", "--disable", "--detail", "account compromised");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"ended 1 session(s)", run.Output);
        Assert.Contains(id, run.Output);
    }

    [Fact]
    public async Task Tail_PrintsEachEventWithItsCursor_AndResumesFromIt()
    {
        var first = await RegisterAsync("tina");
        var second = await RegisterAsync("tom");
        string start;
        await using (var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"])) start = stream.StartCursor;
        await Run("logout", "--session", first);
        var tail = await Run("tail", "--audience", "app-a", "--cursor", start, "--max-events", "1");
        Assert.True(tail.ExitCode == 0, tail.Error);
        var printed = tail.Output.Trim();
        var cursor = printed[(printed.LastIndexOf(' ') + 1)..];
        await Run("logout", "--session", second);

        var resumed = await Run("tail", "--audience", "app-a", "--cursor", cursor, "--max-events", "1");

        Assert.Contains($"admin by ", printed);
        Assert.Contains(first, printed);
        Assert.Contains(second, resumed.Output);
        Assert.DoesNotContain(first, resumed.Output);
    }
}
