using System.Security.Cryptography;
using Grpc.Core;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Security;

/// <summary>Every RPC with no credential, a wrong one, one without the permission, and the right one.</summary>
public sealed class AuthTests : IDisposable
{
    private const string Issuer = TestTokens.Issuer;
    private const string Audience = TestTokens.Audience;
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TokenServer _tokens = new();

    public void Dispose()
    {
        _tokens.Dispose();
        _otherKey.Dispose();
    }

    private string Token(string[] permissions, string[]? audiences = null, ECDsa? key = null, DateTime? expires = null) =>
        TestTokens.Create(key ?? _tokens.Key, "gateway-1", permissions, audiences, expires);

    private static Metadata Bearer(string? token) => token is null ? [] : new Metadata { { "authorization", $"Bearer {token}" } };

    private async Task<StatusCode> StatusOf(string rpc, string? token) => (await EveryRpc.StatusOf(_tokens.Server.Channel, rpc, Bearer(token))).StatusCode;

    private Task Call(string rpc, Metadata headers) => EveryRpc.Call(_tokens.Server.Channel, rpc, headers);

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithoutCredential_IsUnauthenticated(string rpc, string _) =>
        Assert.Equal(StatusCode.Unauthenticated, await StatusOf(rpc, null));

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithATokenFromAnotherKey_IsUnauthenticated(string rpc, string permission) =>
        Assert.Equal(StatusCode.Unauthenticated, await StatusOf(rpc, Token([permission], ["app-a"], key: _otherKey)));

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithoutItsPermission_IsPermissionDenied(string rpc, string permission)
    {
        var others = EveryRpc.Permissions.Where(p => p != permission).ToArray();
        Assert.Equal(StatusCode.PermissionDenied, await StatusOf(rpc, Token(others, ["app-a"])));
    }

    [Theory]
    [MemberData(nameof(EveryRpc.WithPermission), MemberType = typeof(EveryRpc))]
    public async Task Rpc_WithItsPermission_PassesAuthentication(string rpc, string permission)
    {
        var status = await StatusOf(rpc, Token([permission], ["app-a"]));
        Assert.NotEqual(StatusCode.Unauthenticated, status);
        Assert.NotEqual(StatusCode.PermissionDenied, status);
    }

    [Fact]
    public async Task ExpiredToken_IsUnauthenticatedSayingSo()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Call("Decide", Bearer(Token(["decide"], expires: DateTime.UtcNow.AddMinutes(-5)))));
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("expired", ex.Status.Detail);
    }

    [Fact]
    public async Task Subscriber_CannotAskForAnAudienceItsTokenDoesNotAllow()
    {
        var events = new SessionEventsService.SessionEventsServiceClient(_tokens.Server.Channel);
        using var call = events.SubscribeLogouts(new SubscribeLogoutsRequest { Audiences = { "app-b" } }, Bearer(Token(["subscribe"], ["app-a"])));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("app-b", ex.Status.Detail);
    }

    [Fact]
    public async Task HealthNeedsNoCredential()
    {
        var health = await new global::Grpc.Health.V1.Health.HealthClient(_tokens.Server.Channel).CheckAsync(new global::Grpc.Health.V1.HealthCheckRequest());
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}

public sealed class UnauthenticatedBindingTests
{
    [Fact]
    public void NonLoopbackWithoutAuthentication_RefusesToStart()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999" });

        var ex = Assert.ThrowsAny<Exception>(() => server.Server);

        Assert.Contains("refusing to serve http://0.0.0.0:5999 without authentication", ex.ToString());
    }

    [Fact]
    public void NonLoopbackWithoutAuthentication_StartsWhenExplicitlyAllowed()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
        {
            ["urls"] = "http://0.0.0.0:5999",
            ["SessionPolicy:Auth:AllowUnauthenticated"] = "true",
        });

        Assert.NotNull(server.Server);
    }
}

/// <summary>Authentication settings are checked at start, each error naming its key.</summary>
public sealed class AuthConfigurationTests : IDisposable
{
    private readonly string _empty = Path.Combine(Path.GetTempPath(), $"empty-{Guid.NewGuid():N}.pem");

    public AuthConfigurationTests() => File.WriteAllText(_empty, "no certificate here\n");

    public void Dispose() => File.Delete(_empty);

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "SessionPolicy:Auth:ClientCaFile", "/nonexistent/ca.pem", "SessionPolicy:Auth:ClientCaFile: '/nonexistent/ca.pem' does not exist" },
        { "SessionPolicy:Auth:Callers:gw:Permissions:0", "everything", "SessionPolicy:Auth:Callers grants permissions to certificate callers: set SessionPolicy:Auth:ClientCaFile too" },
        { "SessionPolicy:Auth:SigningKeyFiles:0", "/nonexistent/key.pem", "SessionPolicy:Auth:SigningKeyFiles: '/nonexistent/key.pem' does not exist" },
        { "SessionPolicy:Auth:JwksRefresh", "00:00:01", "SessionPolicy:Auth:JwksRefresh must be between 00:00:30 and 1.00:00:00" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void BadSetting_StopsStartNamingTheKey(string key, string value, string message)
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { [key] = value });

        var ex = Assert.ThrowsAny<Exception>(() => server.Server);

        Assert.Contains(message, ex.ToString());
    }

    [Fact]
    public void UnknownPermissionForACertificateCaller_StopsStart()
    {
        using var ca = new TestCertificates();
        var caFile = ca.AuthorityFile(Path.GetTempPath());
        try
        {
            using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?>
            {
                ["SessionPolicy:Auth:ClientCaFile"] = caFile,
                ["SessionPolicy:Auth:Callers:gw:Permissions:0"] = "everything",
            });

            var ex = Assert.ThrowsAny<Exception>(() => server.Server);

            Assert.Contains("SessionPolicy:Auth:Callers:gw:Permissions: 'everything' is not a permission (one of decide, issue, subscribe, register, admin)", ex.ToString());
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public void CaFileWithoutACertificate_StopsStart()
    {
        using var server = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Auth:ClientCaFile"] = _empty });

        var ex = Assert.ThrowsAny<Exception>(() => server.Server);

        Assert.Contains($"SessionPolicy:Auth:ClientCaFile: '{_empty}' holds no PEM certificate", ex.ToString());
    }
}
