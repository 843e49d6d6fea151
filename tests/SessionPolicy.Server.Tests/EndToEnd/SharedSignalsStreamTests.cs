using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.EndToEnd;

/// <summary>
/// One service process with its HTTP port, authentication and a signing key, for the Shared Signals transmitter tests:
/// receivers create streams over HTTP with bearer tokens, and sessions end through the gRPC API.
/// </summary>
public sealed class SharedSignalsProcess : IAsyncLifetime
{
    public const string Issuer = "https://session-policy.test";
    private readonly string _signingKey = Path.Combine(Path.GetTempPath(), $"ssf-sign-{Guid.NewGuid():N}.pem");
    private readonly string _callerKeyFile = Path.Combine(Path.GetTempPath(), $"ssf-callers-{Guid.NewGuid():N}.pem");
    private readonly ECDsa _callerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public ServerProcess Server { get; private set; } = null!;

    public Uri HttpPort => Assert.Single(Server.Addresses, a => a != Server.Address);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256)) await File.WriteAllTextAsync(_signingKey, key.ExportECPrivateKeyPem());
        await File.WriteAllTextAsync(_callerKeyFile, _callerKey.ExportSubjectPublicKeyInfoPem());
        var environment = new Dictionary<string, string>
        {
            ["SessionPolicy__Http__Url"] = "http://127.0.0.1:0",
            ["SessionPolicy__SecurityEventTokens__KeyFile"] = _signingKey,
            ["SessionPolicy__SecurityEventTokens__Issuer"] = Issuer,
            ["SessionPolicy__Receivers__AllowHttpLoopback"] = "true",
            ["SessionPolicy__Receivers__MinBackoff"] = "00:00:00.010",
            ["SessionPolicy__Receivers__MaxBackoff"] = "00:00:00.050",
            ["SessionPolicy__Receivers__MaxPollWait"] = "00:00:20",
        };
        foreach (var (k, v) in TestTokens.ServerSettings(_callerKeyFile)) environment[k.Replace(":", "__")] = v!;
        Server = await ServerProcess.StartAsync(environment);
        await Server.OutputAfterAsync(line => line.Contains("Application started", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        File.Delete(_signingKey);
        File.Delete(_callerKeyFile);
        _callerKey.Dispose();
    }

    public string Token(string subject, string[] permissions, params string[] audiences) => TestTokens.Create(_callerKey, subject, permissions, audiences);

    public Metadata Admin => new() { { "authorization", "Bearer " + Token("operator", ["admin", "register"]) } };

    public Task<string> JwksAsync() => Http.GetStringAsync(new Uri(HttpPort, "/.well-known/jwks.json"));

    /// <summary>Sends a management request; its status and JSON body (null when there is none).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? token, object? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(HttpPort, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, contentType);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    /// <summary>Registers a session of <paramref name="principal"/> for <paramref name="audience"/> and ends it; its id.</summary>
    public async Task<string> EndAsync(string principal, string audience = "app-a")
    {
        var events = new SessionEventsService.SessionEventsServiceClient(Server.Channel);
        var id = (await events.RegisterSessionAsync(Register(principal, audience), Admin)).Session.SessionId;
        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id }, Admin);
        return id;
    }

    public async Task<ReceiverState> ReceiverAsync(string name) =>
        (await new SessionReceiversService.SessionReceiversServiceClient(Server.Channel).ListReceiversAsync(new ListReceiversRequest(), Admin)).Receivers.Single(r => r.Name == name);
}

/// <summary>
/// The Shared Signals Framework 1.0 transmitter (the real process, over HTTP/1.1 on its own port): its metadata, stream
/// management with the specification's statuses, push streams delivered and held as their status says, verification,
/// subjects removed and added, and RFC 8936 polling.
/// </summary>
[Collection(StartupFailureCollection.Name)]
public sealed class SharedSignalsStreamTests(SharedSignalsProcess service) : IClassFixture<SharedSignalsProcess>, IAsyncLifetime
{
    private SignalReceiver _receiver = null!;

    private string Subscriber => service.Token("app-one", ["subscribe"], "app-a");

    public async Task InitializeAsync() => _receiver = await SignalReceiver.StartAsync(service.JwksAsync, SharedSignalsProcess.Issuer);

    private readonly List<string> _pushStreams = [];

    public async Task DisposeAsync()
    {
        // The process outlives the test: its push streams would go on retrying a receiver that is gone.
        foreach (var stream in _pushStreams) await service.SendAsync(HttpMethod.Delete, $"/ssf/streams?stream_id={stream}", Subscriber);
        await _receiver.DisposeAsync();
    }

    private async Task<string> CreatePushAsync(string? authorization = "Bearer receiver-secret", string format = "opaque")
    {
        var delivery = new Dictionary<string, object> { ["method"] = "urn:ietf:rfc:8935", ["endpoint_url"] = _receiver.Url };
        if (authorization is not null) delivery["authorization_header"] = authorization;
        var (status, body, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, new Dictionary<string, object>
        {
            ["delivery"] = delivery, ["format"] = format, ["description"] = "portal",
            ["events_requested"] = new[] { "https://schemas.openid.net/secevent/caep/event-type/session-revoked" },
        });
        Assert.Equal(HttpStatusCode.Created, status);
        _pushStreams.Add(body!["stream_id"]!.GetValue<string>());
        return _pushStreams[^1];
    }

    private async Task<HttpStatusCode> StatusAsync(string stream, string status) =>
        (await service.SendAsync(HttpMethod.Post, "/ssf/status", Subscriber, new { stream_id = stream, status, reason = "maintenance" })).Status;

    [Fact]
    public async Task Configuration_IsPublished_WithEveryEndpointOfTheTransmitter()
    {
        var (status, config, _) = await service.SendAsync(HttpMethod.Get, "/.well-known/ssf-configuration", null);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(SharedSignalsProcess.Issuer, config!["issuer"]!.GetValue<string>());
        Assert.Equal(SharedSignalsProcess.Issuer + "/.well-known/jwks.json", config["jwks_uri"]!.GetValue<string>());
        Assert.Equal(["urn:ietf:rfc:8935", "urn:ietf:rfc:8936"], config["delivery_methods_supported"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(SharedSignalsProcess.Issuer + "/ssf/streams", config["configuration_endpoint"]!.GetValue<string>());
        foreach (var endpoint in new[] { "status_endpoint", "add_subject_endpoint", "remove_subject_endpoint", "verification_endpoint" })
        {
            Assert.StartsWith(SharedSignalsProcess.Issuer + "/ssf/", config[endpoint]!.GetValue<string>());
        }
        Assert.Contains("urn:ietf:rfc:6750", config["authorization_schemes"]!.ToJsonString());
    }

    [Fact]
    public async Task PushStream_HearsEndingsOfItsAudiences_AsValidSets_WithItsAuthorization_NeverShown()
    {
        var stream = await CreatePushAsync();

        await service.EndAsync("other-app-user", audience: "app-b");
        await service.EndAsync("sam");
        var set = Assert.Single(await _receiver.TakenForAsync("sam"));
        var (_, config, _) = await service.SendAsync(HttpMethod.Get, $"/ssf/streams?stream_id={stream}", Subscriber);
        var state = await service.ReceiverAsync(stream);

        Assert.Null(set.Invalid);
        Assert.Equal(["app-a"], set.Audiences);
        Assert.Equal("Bearer receiver-secret", set.Authorization);
        Assert.Equal("application/secevent+jwt", set.ContentType);
        Assert.StartsWith("Admin", set.ReasonAdmin);
        Assert.NotEmpty(set.Txn);
        Assert.Equal("admin", set.Event.GetProperty("initiating_entity").GetString());
        Assert.Equal(("app-a", _receiver.Url), (config!["aud"]!.GetValue<string>(), config["delivery"]!["endpoint_url"]!.GetValue<string>()));
        Assert.DoesNotContain("receiver-secret", config.ToJsonString());
        Assert.Equal(("ssf-push", "ssf-stream", true), (state.Kind, state.Source, state.HasAuthorization));
        Assert.DoesNotContain("receiver-secret", state.ToString());
    }

    [Fact]
    public async Task PausedStream_HoldsItsEvents_AndDeliversThemInOrderOnceEnabled()
    {
        var stream = await CreatePushAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(stream, "paused"));

        await service.EndAsync("held-1");
        await service.EndAsync("held-2");
        var (_, paused, _) = await service.SendAsync(HttpMethod.Get, $"/ssf/status?stream_id={stream}", Subscriber);
        var whilePaused = _receiver.Snapshot().Count;
        var lag = (await service.ReceiverAsync(stream)).LagEvents;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(stream, "enabled"));
        await service.EndAsync("after");
        var received = await _receiver.TakenForAsync("held-1", "held-2", "after");

        Assert.Equal(("paused", "maintenance"), (paused!["status"]!.GetValue<string>(), paused["reason"]!.GetValue<string>()));
        Assert.Equal(0, whilePaused);
        Assert.True(lag >= 1);
        Assert.Equal(["held-1", "held-2", "after"], received.Select(r => r.Principal));
    }

    [Fact]
    public async Task DisabledStream_HoldsNothing_WhatEndedMeanwhileIsNeverSent()
    {
        var stream = await CreatePushAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(stream, "disabled"));

        await service.EndAsync("dropped");
        while ((await service.ReceiverAsync(stream)).LagEvents > 0) await Task.Yield();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(stream, "enabled"));
        await service.EndAsync("kept");
        var received = await _receiver.TakenForAsync("kept");

        Assert.Equal(["kept"], received.Select(r => r.Principal));
    }

    [Fact]
    public async Task Verification_SendsAVerificationSet_NamingTheStream_WithTheState()
    {
        var stream = await CreatePushAsync();

        var (status, _, _) = await service.SendAsync(HttpMethod.Post, "/ssf/verify", Subscriber, new { stream_id = stream, state = "VGhpcyBpcyBhbiBleGFtcGxl" });
        var received = await _receiver.UntilAsync(all => all.Any(r => r.EventType.EndsWith("/verification")));
        var verification = Assert.Single(received);

        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Null(verification.Invalid);
        Assert.Equal("VGhpcyBpcyBhbiBleGFtcGxl", verification.Event.GetProperty("state").GetString());
        Assert.Equal(stream, verification.SubId.GetProperty("id").GetString());
    }

    [Fact]
    public async Task RemovedSubject_HearsNothingOfIt_UntilAddedAgain()
    {
        var stream = await CreatePushAsync(format: "email");
        var subject = new { format = "email", email = "quiet@example.com" };

        var removed = await service.SendAsync(HttpMethod.Post, "/ssf/subjects:remove", Subscriber, new { stream_id = stream, subject });
        await service.EndAsync("quiet@example.com");
        await service.EndAsync("loud@example.com");
        await _receiver.TakenForAsync("loud@example.com");
        var added = await service.SendAsync(HttpMethod.Post, "/ssf/subjects:add", Subscriber, new { stream_id = stream, subject, verified = true });
        await service.EndAsync("quiet@example.com");
        var received = await _receiver.TakenAsync(2);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.OK), (removed.Status, added.Status));
        Assert.Equal(["loud@example.com", "quiet@example.com"], received.Select(r => r.Principal));
        Assert.All(received, r => Assert.Equal("email", r.SubId.GetProperty("format").GetString()));
    }

    [Fact]
    public async Task UpdateReplaceAndDelete_ChangeTheStream_AndOnlyItsCreatorSeesIt()
    {
        var stream = await CreatePushAsync();

        var updated = await service.SendAsync(HttpMethod.Patch, "/ssf/streams", Subscriber, new { stream_id = stream, description = "renamed" });
        var asOther = await service.SendAsync(HttpMethod.Get, $"/ssf/streams?stream_id={stream}", service.Token("app-two", ["subscribe"], "app-a"));
        var replaced = await service.SendAsync(HttpMethod.Put, "/ssf/streams", Subscriber, new { stream_id = stream, delivery = new { method = "urn:ietf:rfc:8936" } });
        var deleted = await service.SendAsync(HttpMethod.Delete, $"/ssf/streams?stream_id={stream}", Subscriber);
        var afterwards = await service.SendAsync(HttpMethod.Get, $"/ssf/streams?stream_id={stream}", Subscriber);

        Assert.Equal((HttpStatusCode.OK, "renamed"), (updated.Status, updated.Body!["description"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, asOther.Status);
        Assert.Equal(HttpStatusCode.OK, replaced.Status);
        Assert.Equal("urn:ietf:rfc:8936", replaced.Body!["delivery"]!["method"]!.GetValue<string>());
        Assert.Equal($"{SharedSignalsProcess.Issuer}/ssf/poll/{stream}", replaced.Body["delivery"]!["endpoint_url"]!.GetValue<string>());
        Assert.Null(replaced.Body["description"]);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Equal(HttpStatusCode.NotFound, afterwards.Status);
    }

    public static TheoryData<string, object, HttpStatusCode, string> BadCreates => new()
    {
        { "not JSON", "{not json", HttpStatusCode.BadRequest, "not JSON" },
        { "an array", "[]", HttpStatusCode.BadRequest, "JSON object" },
        { "an unknown delivery method", new { delivery = new { method = "urn:example:carrier-pigeon" } }, HttpStatusCode.BadRequest, "delivery.method" },
        { "push without a URL", new { delivery = new { method = "urn:ietf:rfc:8935" } }, HttpStatusCode.BadRequest, "delivery.endpoint_url" },
        { "push to the metadata address", new { delivery = new { method = "urn:ietf:rfc:8935", endpoint_url = "https://169.254.169.254/latest" } }, HttpStatusCode.BadRequest, "delivery.endpoint_url" },
        { "push over http to a public name", new { delivery = new { method = "urn:ietf:rfc:8935", endpoint_url = "http://receiver.example.com/events" } }, HttpStatusCode.BadRequest, "delivery.endpoint_url" },
        { "an unknown subject format", new { format = "phone_number" }, HttpStatusCode.BadRequest, "format" },
        { "an audience the caller may not hear", new { aud = "app-b" }, HttpStatusCode.Forbidden, "app-b" },
        { "nesting too deep", "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", HttpStatusCode.BadRequest, "deeper" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task BadStreamCreation_IsRefused_WithAJsonErrorNamingTheProblem(string what, object body, HttpStatusCode expected, string named)
    {
        var (status, error, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, body);

        Assert.True(expected == status, $"{what}: {status} {error}");
        Assert.Contains(named, error!["description"]!.GetValue<string>());
        Assert.NotEmpty(error["err"]!.GetValue<string>());
    }

    [Fact]
    public async Task Management_RefusesCallersWithoutACredentialOrThePermission_AndOddBodies()
    {
        var anonymous = await service.SendAsync(HttpMethod.Post, "/ssf/streams", null, new { });
        var withoutSubscribe = await service.SendAsync(HttpMethod.Post, "/ssf/streams", service.Token("app-one", ["decide"], "app-a"), new { });
        var notJson = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, "a=b", "application/x-www-form-urlencoded");
        var huge = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, "{\"description\":\"" + new string('x', 70_000) + "\"}");
        var unknown = await service.SendAsync(HttpMethod.Get, "/ssf/status?stream_id=ssf-none", Subscriber);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal("Bearer", anonymous.Response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Forbidden, withoutSubscribe.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task PollStream_OffersItsSetsUntilSettled_AndRecordsTheErrorsReported()
    {
        var (_, created, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, new { delivery = new { method = "urn:ietf:rfc:8936" } });
        var stream = created!["stream_id"]!.GetValue<string>();
        var poll = new Uri(created["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        Assert.Empty((await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 10, returnImmediately = true })).Body!["sets"]!.AsObject());

        foreach (var p in new[] { "p-1", "p-2", "p-3" }) await service.EndAsync(p);
        var first = (await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 2, returnImmediately = true })).Body!;
        var firstJtis = first["sets"]!.AsObject().Select(p => p.Key).ToList();
        var second = (await service.SendAsync(HttpMethod.Post, poll, Subscriber, new Dictionary<string, object>
        {
            ["maxEvents"] = 10, ["returnImmediately"] = true, ["ack"] = new[] { firstJtis[0] },
            ["setErrs"] = new Dictionary<string, object> { [firstJtis[1]] = new { err = "invalid_key", description = "no such key" } },
        })).Body!;
        var left = second["sets"]!.AsObject().Single();
        var third = (await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 10, returnImmediately = true })).Body!;
        var fourth = (await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 10, returnImmediately = true, ack = new[] { left.Key } })).Body!;
        var state = await service.ReceiverAsync(stream);
        var jwks = await service.JwksAsync();
        var (token, invalid) = await SignalReceiver.ValidateAsync(left.Value!.GetValue<string>(), jwks, SharedSignalsProcess.Issuer);

        Assert.Equal(2, firstJtis.Count);
        Assert.True(first["moreAvailable"]!.GetValue<bool>());
        Assert.DoesNotContain(left.Key, firstJtis);
        Assert.False(second["moreAvailable"]!.GetValue<bool>());
        Assert.Null(invalid);
        Assert.Equal("p-3", SignalReceiver.Read(token, invalid, "", "", HttpStatusCode.OK).Principal);
        Assert.Equal([left.Key], third["sets"]!.AsObject().Select(p => p.Key));
        Assert.Empty(fourth["sets"]!.AsObject());
        Assert.Equal((2, 1), (state.Delivered, state.Failed));
        Assert.Contains("err invalid_key", state.LastError);
        Assert.Equal(0, state.LagEvents);
    }

    [Fact]
    public async Task LongPoll_AnswersAsSoonAsASessionEnds()
    {
        var (_, created, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, new { delivery = new { method = "urn:ietf:rfc:8936" } });
        var poll = new Uri(created!["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 0 });

        var waiting = service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 10, returnImmediately = false });
        await service.EndAsync("late");
        var answer = (await waiting).Body!;

        Assert.Single(answer["sets"]!.AsObject());
    }

    public static TheoryData<string, object, string> BadPolls => new()
    {
        { "a negative maxEvents", new { maxEvents = -1 }, "maxEvents" },
        { "too many maxEvents", new { maxEvents = 5000 }, "maxEvents" },
        { "maxEvents as text", new { maxEvents = "ten" }, "maxEvents" },
        { "returnImmediately as text", new { returnImmediately = "yes" }, "returnImmediately" },
        { "ack not an array", new { ack = "jti" }, "ack" },
        { "ack of numbers", new { ack = new[] { 1, 2 } }, "ack" },
        { "setErrs as an array", new { setErrs = new[] { "jti" } }, "setErrs" },
    };

    [Theory]
    [MemberData(nameof(BadPolls))]
    public async Task BadPoll_Is400_NamingTheMember_AndSettlesNothing(string what, object body, string member)
    {
        var (_, created, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, new { delivery = new { method = "urn:ietf:rfc:8936" } });
        var poll = new Uri(created!["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;
        await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 0 });
        await service.EndAsync("polled");

        var (status, error, _) = await service.SendAsync(HttpMethod.Post, poll, Subscriber, body);
        var after = (await service.SendAsync(HttpMethod.Post, poll, Subscriber, new { maxEvents = 10 })).Body!;

        Assert.True(status == HttpStatusCode.BadRequest, what);
        Assert.Contains(member, error!["description"]!.GetValue<string>());
        Assert.Single(after["sets"]!.AsObject());
    }

    [Fact]
    public async Task Poll_OfAPushStreamOrAnotherCallersStream_IsRefused()
    {
        var push = await CreatePushAsync();
        var (_, created, _) = await service.SendAsync(HttpMethod.Post, "/ssf/streams", Subscriber, new { delivery = new { method = "urn:ietf:rfc:8936" } });
        var poll = new Uri(created!["delivery"]!["endpoint_url"]!.GetValue<string>()).AbsolutePath;

        var ofPush = await service.SendAsync(HttpMethod.Post, $"/ssf/poll/{push}", Subscriber, new { maxEvents = 1 });
        var ofOther = await service.SendAsync(HttpMethod.Post, poll, service.Token("app-two", ["subscribe"], "app-a"), new { maxEvents = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, ofPush.Status);
        Assert.Equal(HttpStatusCode.NotFound, ofOther.Status);
    }
}
