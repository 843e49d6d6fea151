using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>
/// A configured Shared Signals push receiver that answers 503 with <c>Retry-After</c>, hangs, and refuses with 400: each
/// SET retried with its jti until taken, a refusal recorded by its <c>err</c> code (never its description), the events
/// after it delivered.
/// </summary>
public sealed class SharedSignalsPushTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"ssfpush-{Guid.NewGuid():N}.pem");
    private SignalReceiver _receiver = null!;
    private PolicyServiceFactory _service = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _receiver = await SignalReceiver.StartAsync(() => Task.FromResult(_service.Services.GetRequiredService<SigningKeys>().Jwks), BackChannelDeliveryTests.Issuer);
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, settings: new Dictionary<string, string?>
        {
            ["SessionPolicy:SecurityEventTokens:KeyFile"] = _keyFile,
            ["SessionPolicy:SecurityEventTokens:Issuer"] = BackChannelDeliveryTests.Issuer,
            ["SessionPolicy:Receivers:AllowHttpLoopback"] = "true",
            ["SessionPolicy:Receivers:MinBackoff"] = "00:00:00.010",
            ["SessionPolicy:Receivers:MaxBackoff"] = "00:00:00.050",
            ["SessionPolicy:Receivers:RequestTimeout"] = "00:00:00.500",
            ["SessionPolicy:Receivers:List:0:Name"] = "signals",
            ["SessionPolicy:Receivers:List:0:Kind"] = "ssf-push",
            ["SessionPolicy:Receivers:List:0:Url"] = _receiver.Url,
            ["SessionPolicy:Receivers:List:0:Audiences:0"] = "app-a",
            ["SessionPolicy:Receivers:List:0:Audiences:1"] = "app-b",
        });
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _receiver.DisposeAsync();
        File.Delete(_keyFile);
    }

    private async Task EndAsync(string principal, params string[] audiences)
    {
        var register = Register(principal);
        register.Audiences.Add(audiences);
        var id = (await Client(_service).RegisterSessionAsync(register)).Session.SessionId;
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
    }

    [Fact]
    public async Task Unavailable_ThenHanging_ThenTaken_OneJti_ThenARefusalRecordedByItsCode_AndTheNextDelivered()
    {
        foreach (var answer in new[] { HttpStatusCode.ServiceUnavailable, SignalReceiver.Hang, HttpStatusCode.Accepted, HttpStatusCode.BadRequest }) _receiver.Answers.Enqueue(answer);

        await EndAsync("first", "app-b");
        await EndAsync("refused");
        await EndAsync("next");
        var received = await _receiver.TakenForAsync("first", "next");
        var receivers = new SessionReceiversService.SessionReceiversServiceClient(_service.Channel);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        ReceiverState state;
        while ((state = (await receivers.ListReceiversAsync(new ListReceiversRequest())).Receivers.Single()).Delivered < 2) deadline.Token.ThrowIfCancellationRequested();

        Assert.All(received, r => Assert.Null(r.Invalid));
        Assert.Equal(["first", "first", "first", "refused", "next"], received.Select(r => r.Principal));
        Assert.Single(received.Where(r => r.Principal == "first").Select(r => r.Jti).Distinct());
        Assert.Equal(["app-a", "app-b"], received[0].Audiences);
        Assert.Equal((2, 1), (state.Delivered, state.Failed));
        Assert.Contains("HTTP 400, error invalid_key", state.LastError);
        Assert.DoesNotContain("never relayed", state.ToString());
    }
}
