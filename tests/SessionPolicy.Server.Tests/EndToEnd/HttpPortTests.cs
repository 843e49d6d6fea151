using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.EndToEnd;

/// <summary>
/// The HTTP/1.1 port beside the gRPC one (the real process): it serves the signing keys as a JSON Web Key Set that
/// verifies the tokens the service issues, and only there; gRPC keeps its own port.
/// </summary>
[Collection(StartupFailureCollection.Name)]
public sealed class HttpPortTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"http-port-{Guid.NewGuid():N}.pem");
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        using (var key = RSA.Create(2048)) await File.WriteAllTextAsync(_keyFile, key.ExportPkcs8PrivateKeyPem());
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["SessionPolicy__Http__Url"] = "http://127.0.0.1:0",
            ["SessionPolicy__SecurityEventTokens__KeyFile"] = _keyFile,
            ["SessionPolicy__SecurityEventTokens__Issuer"] = "https://session-policy.test",
        });
        await _server.OutputAfterAsync(line => line.Contains("Application started", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_keyFile);
    }

    private SessionEventsService.SessionEventsServiceClient Events => new(_server.Channel);

    private Uri HttpPort => Assert.Single(_server.Addresses, a => a != _server.Address);

    [Fact]
    public async Task Jwks_OnTheHttpPort_VerifiesTheTokensTheServiceIssues()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(HttpPort, "/.well-known/jwks.json"));
        var jwks = new JsonWebKeySet(await response.Content.ReadAsStringAsync());
        await using var stream = await LogoutStream.OpenAsync(_server.Channel, ["app-a"], tokens: true);
        var id = (await Events.RegisterSessionAsync(Register("alice"))).Session.SessionId;
        await Events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id });
        var token = (await stream.NextEventAsync()).SecurityEventToken;

        var verified = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "https://session-policy.test", ValidAudience = "app-a", IssuerSigningKeys = jwks.GetSigningKeys(),
            RequireExpirationTime = false, ValidTypes = ["secevent+jwt"],
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(1, 1), response.Version);
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("RS256", Assert.Single(jwks.Keys).Alg);
        Assert.True(verified.IsValid, verified.Exception?.Message);
    }

    [Fact]
    public async Task Jwks_IsNotServedOnTheGrpcPort_AndGrpcIsNotServedOnTheHttpPort()
    {
        using var h2 = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var onGrpcPort = await h2.GetAsync(new Uri(_server.Address, "/.well-known/jwks.json"));
        var decided = await new SessionPolicyService.SessionPolicyServiceClient(_server.Channel).DecideAsync(Sample.Human());
        using var grpcOnHttpPort = global::Grpc.Net.Client.GrpcChannel.ForAddress(HttpPort);
        var refused = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() =>
            new SessionPolicyService.SessionPolicyServiceClient(grpcOnHttpPort).DecideAsync(Sample.Human()).ResponseAsync);

        Assert.Equal(HttpStatusCode.NotFound, onGrpcPort.StatusCode);
        Assert.Equal(Outcome.Allow, decided.Decision.Outcome);
        Assert.NotEqual(global::Grpc.Core.StatusCode.OK, refused.StatusCode);
    }
}
