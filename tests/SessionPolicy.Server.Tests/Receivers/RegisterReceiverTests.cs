using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>Receivers registered and removed through the API: each bad field named, names unique, deliveries from registration on.</summary>
public sealed class RegisterReceiverTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"reg-{Guid.NewGuid():N}.pem");
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _service = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        var settings = BackChannelDeliveryTests.Settings(_keyFile, _rp);
        settings["SessionPolicy:Receivers:KnownAudiences:0"] = "app-a";
        settings["SessionPolicy:Receivers:KnownAudiences:1"] = "app-b";
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        _service.Dispose();
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
    }

    private SessionReceiversService.SessionReceiversServiceClient Receivers => new(_service.Channel);

    private RegisterReceiverRequest Request(string name = "web") => new()
    {
        Name = name, Kind = "oidc-backchannel", Url = _rp.Url, Audiences = { "app-b" }, AuthorizationHeader = "Bearer registered-secret",
    };

    [Fact]
    public async Task RegisteredReceiver_HearsWhatEndsFromThenOn_AndIsListedWithoutItsSecret()
    {
        await using var appB = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer, "app-b");
        var before = (await Client(_service).RegisterSessionAsync(Register("early", "app-b"))).Session.SessionId;
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = before });

        var request = Request();
        request.Url = appB.Url;
        var registered = (await Receivers.RegisterReceiverAsync(request)).Receiver;
        var id = (await Client(_service).RegisterSessionAsync(Register("late", "app-b"))).Session.SessionId;
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        var received = await appB.TakenForAsync("late");
        var listed = await Receivers.ListReceiversAsync(new ListReceiversRequest());

        Assert.Equal(["late"], received.Select(r => r.Subject));
        Assert.Null(received[0].Invalid);
        Assert.Equal(("app-b", "Bearer registered-secret"), (received[0].Audience, received[0].Authorization));
        Assert.Equal(("web", "api", true), (registered.Name, registered.Source, registered.HasAuthorization));
        Assert.Equal(["portal", "web"], listed.Receivers.Select(r => r.Name));
        Assert.DoesNotContain("registered-secret", listed.ToString());
    }

    public static TheoryData<string, Action<RegisterReceiverRequest>, string> BadRequests => new()
    {
        { "a name with capitals", r => r.Name = "Web", "name" },
        { "no name", r => r.Name = "", "name" },
        { "an unknown kind", r => r.Kind = "smoke-signal", "kind" },
        { "a plain http URL to a public name", r => r.Url = "http://rp.example.com/logout", "url" },
        { "a metadata address", r => r.Url = "https://169.254.169.254/", "url" },
        { "an oversized URL", r => r.Url = "https://rp.example.com/" + new string('a', 5000), "url" },
        { "a URL for a poll receiver", r => r.Kind = "ssf-poll", "url" },
        { "no audiences", r => r.Audiences.Clear(), "audiences" },
        { "an unknown audience", r => r.Audiences.Add("app-z"), "audiences" },
        { "a subject format for OIDC", r => r.SubjectFormat = "email", "subject_format" },
        { "an unknown subject format", r => (r.Kind, r.SubjectFormat) = ("ssf-push", "phone"), "subject_format" },
        { "a header with a line break", r => r.AuthorizationHeader = "Bearer a\r\nX-Injected: 1", "authorization_header" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRegistration_IsInvalidArgument_NamingTheField_AndRegistersNothing(string what, Action<RegisterReceiverRequest> spoil, string field)
    {
        var request = Request();
        spoil(request);

        var refused = await RpcAssert.InvalidArgumentAsync(() => Receivers.RegisterReceiverAsync(request).ResponseAsync, field);
        var listed = await Receivers.ListReceiversAsync(new ListReceiversRequest());

        Assert.DoesNotContain("registered-secret", refused.ToString());
        Assert.True(listed.Receivers.Select(r => r.Name).SequenceEqual(["portal"]), what);
    }

    [Fact]
    public async Task NamesAreUnique_AcrossConfiguredAndRegistered_AndRemovalForgetsTheReceiver()
    {
        await Receivers.RegisterReceiverAsync(Request());

        var twice = await Assert.ThrowsAsync<RpcException>(() => Receivers.RegisterReceiverAsync(Request()).ResponseAsync);
        var configured = await Assert.ThrowsAsync<RpcException>(() => Receivers.RegisterReceiverAsync(Request("portal")).ResponseAsync);
        var removeConfigured = await Assert.ThrowsAsync<RpcException>(() => Receivers.RemoveReceiverAsync(new RemoveReceiverRequest { Name = "portal" }).ResponseAsync);
        await Receivers.RemoveReceiverAsync(new RemoveReceiverRequest { Name = "web" });
        var again = await Assert.ThrowsAsync<RpcException>(() => Receivers.RemoveReceiverAsync(new RemoveReceiverRequest { Name = "web" }).ResponseAsync);
        var listed = await Receivers.ListReceiversAsync(new ListReceiversRequest());

        Assert.Equal(StatusCode.AlreadyExists, twice.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, configured.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, removeConfigured.StatusCode);
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
        Assert.Equal(["portal"], listed.Receivers.Select(r => r.Name));
    }
}

/// <summary>Without a signing key nothing can be sent, so nothing is registered.</summary>
public sealed class RegisterReceiverWithoutKeyTests
{
    [Fact]
    public async Task Registration_IsFailedPrecondition_NamingTheSetting()
    {
        using var service = new PolicyServiceFactory(Sample.OneHourPolicy);

        var refused = await Assert.ThrowsAsync<RpcException>(() => new SessionReceiversService.SessionReceiversServiceClient(service.Channel).RegisterReceiverAsync(new RegisterReceiverRequest
        {
            Name = "web", Kind = "oidc-backchannel", Url = "https://rp.example.com/logout", Audiences = { "app-a" },
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("SessionPolicy:SecurityEventTokens:KeyFile", refused.Status.Detail);
    }
}

/// <summary>What happens to receivers is in the audit trail: each registration and removal, each delivery failed for good; never a header.</summary>
public sealed class ReceiverAuditTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"raudit-{Guid.NewGuid():N}.pem");
    private readonly string _audit = Path.Combine(Path.GetTempPath(), $"raudit-{Guid.NewGuid():N}.jsonl");
    private RelyingParty _rp = null!;
    private PolicyServiceFactory _service = null!;

    public async Task InitializeAsync()
    {
        BackChannelDeliveryTests.WriteKey(_keyFile);
        _rp = await RelyingParty.StartAsync(() => _service.Services.GetRequiredService<SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        var settings = BackChannelDeliveryTests.Settings(_keyFile, _rp);
        settings["SessionPolicy:Audit:Path"] = _audit;
        _service = new PolicyServiceFactory(Sample.OneHourPolicy, settings: settings);
        _ = _service.Server;
    }

    public async Task DisposeAsync()
    {
        await _rp.DisposeAsync();
        File.Delete(_keyFile);
        File.Delete(_audit);
    }

    [Fact]
    public async Task RegistrationRemovalAndARefusal_AreAuditRecords()
    {
        var receivers = new SessionReceiversService.SessionReceiversServiceClient(_service.Channel);
        await receivers.RegisterReceiverAsync(new RegisterReceiverRequest
        {
            Name = "audited", Kind = "ssf-push", Url = "https://receiver.example.com/events", Audiences = { "app-z" }, AuthorizationHeader = "Bearer audited-secret",
        });
        await receivers.RemoveReceiverAsync(new RemoveReceiverRequest { Name = "audited" });
        _rp.Answers.Enqueue(System.Net.HttpStatusCode.BadRequest);
        var id = (await Client(_service).RegisterSessionAsync(Register("refused"))).Session.SessionId;
        await Client(_service).ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        await _rp.UntilRefusedAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await new SessionReceiversService.SessionReceiversServiceClient(_service.Channel).ListReceiversAsync(new ListReceiversRequest())).Receivers[0].Failed == 0)
        {
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
        _service.Dispose();

        var text = await File.ReadAllTextAsync(_audit);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        var changes = records.Where(r => r.GetProperty("type").GetString() == "receiver.changed").Select(r => r.GetProperty("detail").GetString()).ToList();
        var failed = Assert.Single(records, r => r.GetProperty("type").GetString() == "receiver.failed");

        Assert.Equal(["receiver audited (ssf-push, api) registered", "receiver audited (ssf-push, api) removed"], changes);
        Assert.Equal(("portal", "refused"), (failed.GetProperty("actor").GetString(), failed.GetProperty("principal").GetString()));
        Assert.Contains("HTTP 400, error invalid_request", failed.GetProperty("detail").GetString());
        Assert.NotEmpty(failed.GetProperty("event_id").GetString()!);
        Assert.DoesNotContain("audited-secret", text);
        Assert.DoesNotContain("rp-secret", text);
    }
}
