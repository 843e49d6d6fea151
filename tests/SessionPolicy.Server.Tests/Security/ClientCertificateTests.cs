using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Security;

/// <summary>A CA, certificates it issued (and one another CA issued), a token key, and the settings naming them.</summary>
public sealed class CertificateFixture : IDisposable
{
    public const string Issuer = TestTokens.Issuer;
    public const string Audience = TestTokens.Audience;

    public CertificateFixture()
    {
        Directory.CreateDirectory(Folder);
        var tokenKey = Path.Combine(Folder, "jwt.pem");
        File.WriteAllText(tokenKey, TokenKey.ExportSubjectPublicKeyInfoPem());
        Settings = new Dictionary<string, string?>
        {
            ["SessionPolicy:Auth:ClientCaFile"] = Callers.AuthorityFile(Folder),
            ["SessionPolicy:Auth:Issuer"] = Issuer,
            ["SessionPolicy:Auth:Audience"] = Audience,
            ["SessionPolicy:Auth:SigningKeyFiles:0"] = tokenKey,
            ["SessionPolicy:Auth:Callers:gateway:Audiences:0"] = "app-a",
        };
        for (var i = 0; i < EveryRpc.Permissions.Length; i++)
        {
            var permission = EveryRpc.Permissions[i];
            Settings[$"SessionPolicy:Auth:Callers:gateway:Permissions:{i}"] = permission;
            Settings[$"SessionPolicy:Auth:Callers:only-{permission}:Permissions:0"] = permission;
            Settings[$"SessionPolicy:Auth:Callers:only-{permission}:Audiences:0"] = "app-a";
        }
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"mtls-{Guid.NewGuid():N}");
    public TestCertificates Callers { get; } = new();
    public TestCertificates OtherAuthority { get; } = new("Another CA");
    public ECDsa TokenKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public Dictionary<string, string?> Settings { get; }

    public string Token(string subject, params string[] permissions) => TestTokens.Create(TokenKey, subject, permissions, ["app-a"]);

    public void Dispose()
    {
        Callers.Dispose();
        OtherAuthority.Dispose();
        TokenKey.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

/// <summary>Mutual TLS: every RPC with no certificate, a refused one, one without the permission, and the right one, over real HTTPS.</summary>
public sealed class ClientCertificateTests(CertificateFixture fixture) : IClassFixture<CertificateFixture>, IAsyncLifetime
{
    private TlsServer _server = null!;

    public async Task InitializeAsync() => _server = await TlsServer.StartAsync(fixture.Callers, fixture.Folder, fixture.Settings);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithoutCertificate_IsUnauthenticated(string rpc, string _)
    {
        var status = await EveryRpc.StatusOf(_server.Channel(), rpc);

        Assert.True(StatusCode.Unauthenticated == status.StatusCode, $"{status.StatusCode}: {status.Detail}");
        Assert.Contains("client certificate", status.Detail);
    }

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithACertificateFromAnotherCa_IsUnauthenticated(string rpc, string _)
    {
        using var foreign = fixture.OtherAuthority.Client("gateway");

        var status = await EveryRpc.StatusOf(_server.Channel(foreign), rpc);

        Assert.True(StatusCode.Unauthenticated == status.StatusCode, $"{status.StatusCode}: {status.Detail}");
        Assert.Equal("credential refused: the client certificate is not issued by a trusted CA", status.Detail);
    }

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithoutItsPermission_IsPermissionDenied(string rpc, string permission)
    {
        var other = EveryRpc.Permissions.First(p => p != permission);
        using var certificate = fixture.Callers.Client($"only-{other}");

        var status = await EveryRpc.StatusOf(_server.Channel(certificate), rpc);

        Assert.Equal(StatusCode.PermissionDenied, status.StatusCode);
        Assert.Contains($"caller only-{other} lacks the '{permission}' permission", status.Detail);
    }

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithItsPermission_PassesAuthentication(string rpc, string permission)
    {
        using var certificate = fixture.Callers.Client($"only-{permission}");

        var status = await EveryRpc.StatusOf(_server.Channel(certificate), rpc);

        Assert.NotEqual(StatusCode.Unauthenticated, status.StatusCode);
        Assert.NotEqual(StatusCode.PermissionDenied, status.StatusCode);
    }

    [Fact]
    public async Task ExpiredCertificate_IsUnauthenticatedSayingSo()
    {
        using var expired = fixture.Callers.Client("gateway", DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-1));

        var status = await EveryRpc.StatusOf(_server.Channel(expired), "Decide");

        Assert.Equal((StatusCode.Unauthenticated, "credential refused: the client certificate has expired or is not valid yet"), (status.StatusCode, status.Detail));
    }

    [Fact]
    public async Task CertificateNotForClientAuthentication_IsUnauthenticated()
    {
        using var serverOnly = fixture.Callers.ServerOnly("gateway");

        var status = await EveryRpc.StatusOf(_server.Channel(serverOnly), "Decide");

        Assert.Equal((StatusCode.Unauthenticated, "credential refused: the client certificate is not for client authentication"), (status.StatusCode, status.Detail));
    }

    [Fact]
    public async Task CertificateOfAnUnlistedCaller_HasNoPermission()
    {
        using var stranger = fixture.Callers.Client("stranger");

        var status = await EveryRpc.StatusOf(_server.Channel(stranger), "Decide");

        Assert.Equal(StatusCode.PermissionDenied, status.StatusCode);
        Assert.Contains("caller stranger lacks the 'decide' permission", status.Detail);
    }

    [Fact]
    public async Task CertificateCaller_HearsOnlyItsAudiences()
    {
        using var gateway = fixture.Callers.Client("gateway");
        var events = new SessionEventsService.SessionEventsServiceClient(_server.Channel(gateway));

        using var call = events.SubscribeLogouts(new SubscribeLogoutsRequest { Audiences = { "app-a", "app-b" } });
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("caller may not hear audience 'app-b': its credential allows app-a", ex.Status.Detail);
    }

    [Fact]
    public async Task BearerToken_OnACertificateConnection_IsTheCaller()
    {
        using var gateway = fixture.Callers.Client("gateway");
        var channel = _server.Channel(gateway);

        var refused = await EveryRpc.StatusOf(channel, "ListSessions", new Metadata { { "authorization", $"Bearer {fixture.Token("app-7", "decide")}" } });
        var allowed = await EveryRpc.StatusOf(channel, "ListSessions");

        Assert.Equal((StatusCode.PermissionDenied, "caller app-7 lacks the 'admin' permission that /sessionpolicy.v1.SessionEventsService/ListSessions needs"),
            (refused.StatusCode, refused.Detail));
        Assert.Equal(StatusCode.OK, allowed.StatusCode);
    }
}

/// <summary>Rate limits and the audit trail know the caller by its credential, not its address.</summary>
public sealed class CallerIdentityTests(CertificateFixture fixture) : IClassFixture<CertificateFixture>
{
    private Task<TlsServer> TwoCallsAnHourAsync() => TlsServer.StartAsync(fixture.Callers, fixture.Folder, new Dictionary<string, string?>(fixture.Settings)
    {
        ["SessionPolicy:Limits:Permits"] = "2",
        ["SessionPolicy:Limits:Period"] = "01:00:00",
    });

    [Fact]
    public async Task RateLimit_CountsACallerAcrossConnections_AndNotOtherCallersAtTheSameAddress()
    {
        await using var server = await TwoCallsAnHourAsync();
        using var gateway = fixture.Callers.Client("gateway");
        using var other = fixture.Callers.Client("only-decide");

        // Two connections of the same caller, then a third: the caller's budget is two calls.
        Assert.Equal(StatusCode.OK, (await EveryRpc.StatusOf(server.Channel(gateway), "Decide")).StatusCode);
        Assert.Equal(StatusCode.OK, (await EveryRpc.StatusOf(server.Channel(gateway), "Decide")).StatusCode);
        var limited = await EveryRpc.StatusOf(server.Channel(gateway), "Decide");
        var otherCaller = await EveryRpc.StatusOf(server.Channel(other), "Decide");

        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.Contains("for caller gateway", limited.Detail);
        Assert.Equal(StatusCode.OK, otherCaller.StatusCode);
    }

    [Fact]
    public async Task RateLimit_KnowsATokenCallerByItsSubject()
    {
        await using var server = await TwoCallsAnHourAsync();
        var bearer = new Metadata { { "authorization", $"Bearer {fixture.Token("app-7", "decide")}" } };

        // The first call validates the token (and is counted by address); from then on the caller is app-7.
        var channel = server.Channel();
        var statuses = new List<Status>();
        for (var i = 0; i < 4; i++) statuses.Add(await EveryRpc.StatusOf(channel, "Decide", bearer));

        Assert.Equal([StatusCode.OK, StatusCode.OK, StatusCode.OK, StatusCode.ResourceExhausted], statuses.Select(s => s.StatusCode));
        Assert.Contains("for caller app-7", statuses[3].Detail);
    }

    [Fact]
    public async Task AuditRecords_NameTheCaller_AndEveryRefusal()
    {
        var file = Path.Combine(fixture.Folder, $"audit-{Guid.NewGuid():N}.jsonl");
        var settings = new Dictionary<string, string?>(fixture.Settings) { ["SessionPolicy:Audit:Path"] = file };
        var token = fixture.Token("app-7", "decide");
        await using (var server = await TlsServer.StartAsync(fixture.Callers, fixture.Folder, settings))
        {
            using var gateway = fixture.Callers.Client("gateway");
            using var foreign = fixture.OtherAuthority.Client("gateway");
            var events = new SessionEventsService.SessionEventsServiceClient(server.Channel(gateway));
            await events.RegisterSessionAsync(Helpers.Sessions.Register("fay"));
            await events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "fay", Actor = "secops@example.com" });
            await events.RegisterSessionAsync(Helpers.Sessions.Register("gil"));
            await events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "gil" });
            await EveryRpc.StatusOf(server.Channel(), "Decide");
            await EveryRpc.StatusOf(server.Channel(foreign), "ListSessions");
            await EveryRpc.StatusOf(server.Channel(), "ForceLogout", new Metadata { { "authorization", $"Bearer {token}" } });
            await EveryRpc.StatusOf(server.Channel(), "Decide", new Metadata { { "authorization", "Bearer not-a-jwt" } });
        }

        var text = await File.ReadAllTextAsync(file);
        var records = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        string? Field(JsonElement r, string name) => r.TryGetProperty(name, out var v) ? v.GetString() : null;

        var registered = records.First(r => Field(r, "type") == "session.registered");
        Assert.Equal(("gateway", "127.0.0.1"), (Field(registered, "caller"), Field(registered, "address")));
        var logouts = records.Where(r => Field(r, "type") == "logout").Select(r => (Field(r, "principal"), Field(r, "caller"), Field(r, "actor"))).ToList();
        // The actor the request names, or else the caller.
        Assert.Equal([("fay", "gateway", "secops@example.com"), ("gil", "gateway", "gateway")], logouts);
        var denials = records.Where(r => Field(r, "type") == "access.denied")
            .Select(r => (Field(r, "caller"), Field(r, "method"), Field(r, "outcome"), Field(r, "reason"))).ToList();
        Assert.Equal(
        [
            (null, "/sessionpolicy.v1.SessionPolicyService/Decide", "unauthenticated",
                "no credential: send an authorization: Bearer <JWT> header or connect with a client certificate"),
            (null, "/sessionpolicy.v1.SessionEventsService/ListSessions", "unauthenticated", "credential refused: the client certificate is not issued by a trusted CA"),
            ("app-7", "/sessionpolicy.v1.SessionEventsService/ForceLogout", "permission_denied",
                "caller app-7 lacks the 'admin' permission that /sessionpolicy.v1.SessionEventsService/ForceLogout needs"),
            (null, "/sessionpolicy.v1.SessionPolicyService/Decide", "unauthenticated", "credential refused: the bearer token is not a JWT"),
        ], denials);
        Assert.All(records.Where(r => Field(r, "type") == "access.denied"), r => Assert.Equal("127.0.0.1", Field(r, "address")));
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain("not-a-jwt", text);
    }
}
