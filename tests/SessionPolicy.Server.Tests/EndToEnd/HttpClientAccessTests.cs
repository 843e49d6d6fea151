using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.EndToEnd;

/// <summary>
/// Clients without gRPC, against the real process: JSON transcoding (POST /v1/..., the OpenAPI document) and gRPC-Web on
/// the HTTP port, authenticated and authorized exactly as gRPC calls are; bad bodies refused with the same field
/// violations as gRPC's INVALID_ARGUMENT.
/// </summary>
[Collection(StartupFailureCollection.Name)]
public sealed class HttpClientAccessTests : IAsyncLifetime
{
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), $"http-access-{Guid.NewGuid():N}.pem");
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly HttpClient _http = new();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_keyFile, _key.ExportSubjectPublicKeyInfoPem());
        var settings = TestTokens.ServerSettings(_keyFile).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        settings["SessionPolicy__Http__Url"] = "http://127.0.0.1:0";
        settings["SessionPolicy__Http__CorsOrigins__0"] = "https://app.example.com";
        _server = await ServerProcess.StartAsync(settings);
        await _server.OutputAfterAsync(line => line.Contains("Application started", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
        _key.Dispose();
        File.Delete(_keyFile);
    }

    private Uri HttpPort => Assert.Single(_server.Addresses, a => a != _server.Address);

    private string Token(params string[] permissions) => TestTokens.Create(_key, "gateway", permissions);

    private Task<HttpResponseMessage> PostAsync(string path, string json, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HttpPort, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _http.SendAsync(request);
    }

    private Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private static async Task<(int Code, List<(string Field, string Description)> Violations)> ErrorOf(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var violations = body.RootElement.TryGetProperty("details", out var details)
            ? details.EnumerateArray().Where(d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.BadRequest")
                .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray())
                .Select(v => (v.GetProperty("field").GetString()!, v.GetProperty("description").GetString()!)).ToList()
            : [];
        return (body.RootElement.GetProperty("code").GetInt32(), violations);
    }

    [Fact]
    public async Task Decide_AsJson_GivesTheDecisionGrpcGives()
    {
        var request = Sample.Human(environment: "production");
        var token = Token("decide");
        var overGrpc = await new SessionPolicyService.SessionPolicyServiceClient(_server.Channel).DecideAsync(request, Bearer(token));

        using var response = await PostAsync("/v1/decide", JsonFormatter.Default.Format(request), token);
        var overJson = JsonParser.Default.Parse<DecideResponse>(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(overGrpc.Decision.MaxSessionSeconds, overJson.Decision.MaxSessionSeconds);
        Assert.Equal(overGrpc.Decision.IdleTimeoutSeconds, overJson.Decision.IdleTimeoutSeconds);
        Assert.Equal(overGrpc.Decision.Profile, overJson.Decision.Profile);
        Assert.Equal(overGrpc.Decision.PolicyVersion, overJson.Decision.PolicyVersion);
        Assert.Equal(Outcome.Allow, overJson.Decision.Outcome);
    }

    [Fact]
    public async Task ABadBody_Is400_WithTheFieldViolationsGrpcGives()
    {
        var token = Token("decide");
        var request = new DecideRequest { Principal = new Principal { Id = "", Groups = { "eng" } }, Context = new RequestContext { SourceIp = "not-an-ip" } };
        var grpc = await Assert.ThrowsAsync<RpcException>(() => new SessionPolicyService.SessionPolicyServiceClient(_server.Channel).DecideAsync(request, Bearer(token)).ResponseAsync);
        var expected = RpcAssert.FieldViolations(grpc).Select(v => (v.Field, v.Description)).ToList();

        using var response = await PostAsync("/v1/decide", JsonFormatter.Default.Format(request), token);
        var (code, violations) = await ErrorOf(response);

        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((int)StatusCode.InvalidArgument, code);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, violations);
    }

    [Theory]
    [InlineData("""{"principal":{"id":"alice","type":"PRINCIPAL_TYPE_ROBOT"}}""", "principal.type")]
    [InlineData("""{"principal":{"id":5}}""", "principal.id")]
    [InlineData("""{"principal":{"groups":"eng"}}""", "principal.groups")]
    [InlineData("""{"context":{"mfa":"yes"}}""", "context.mfa")]
    [InlineData("""{"explain":"please"}""", "explain")]
    [InlineData("""{"principal":""", "body")]
    [InlineData("""[1, 2]""", "body")]
    public async Task AValueThatCannotBeItsFieldsType_Is400_NamingTheField(string body, string field)
    {
        using var response = await PostAsync("/v1/decide", body, Token("decide"));
        var (code, violations) = await ErrorOf(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((int)StatusCode.InvalidArgument, code);
        Assert.Contains(violations, v => v.Field == field);
    }

    [Fact]
    public async Task ABodyOverTheMessageLimit_Is413()
    {
        using var response = await PostAsync("/v1/decide", "{\"principal\":{\"id\":\"" + new string('a', 5 * 1024 * 1024) + "\"}}", Token("decide"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal((int)StatusCode.ResourceExhausted, (await ErrorOf(response)).Code);
    }

    [Fact]
    public async Task Unauthenticated_Is401_AndUnpermitted_Is403_AsThePermissionTableSays()
    {
        var decide = JsonFormatter.Default.Format(Sample.Human());
        using var anonymous = await PostAsync("/v1/decide", decide, token: null);
        using var forged = await PostAsync("/v1/decide", decide, TestTokens.Create(ECDsa.Create(ECCurve.NamedCurves.nistP256), "mallory", ["decide"]));
        using var subscriberDeciding = await PostAsync("/v1/decide", decide, Token("subscribe"));
        using var deciderListingReceivers = await PostAsync("/v1/receivers:list", "{}", Token("decide"));
        using var deciderForcingLogout = await PostAsync("/v1/logouts:force", """{"sessionId":"s-1"}""", Token("decide"));
        using var adminListingReceivers = await PostAsync("/v1/receivers:list", "{}", Token("admin"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal((int)StatusCode.Unauthenticated, (await ErrorOf(anonymous)).Code);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, subscriberDeciding.StatusCode);
        Assert.Equal((int)StatusCode.PermissionDenied, (await ErrorOf(subscriberDeciding)).Code);
        Assert.Equal(HttpStatusCode.Forbidden, deciderListingReceivers.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deciderForcingLogout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminListingReceivers.StatusCode);
    }

    [Fact]
    public async Task GetPolicyInfo_IsAGet_AndCarriesTheServerVersion()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(HttpPort, "/v1/policy"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("decide"));
        using var response = await _http.SendAsync(request);
        var info = JsonParser.Default.Parse<GetPolicyInfoResponse>(await response.Content.ReadAsStringAsync());
        var overGrpc = await new SessionPolicyService.SessionPolicyServiceClient(_server.Channel).GetPolicyInfoAsync(new GetPolicyInfoRequest(), Bearer(Token("decide")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", info.ServerVersion);
        Assert.Equal(overGrpc.ServerVersion, info.ServerVersion);
        Assert.Equal(overGrpc.Version, info.Version);
    }

    [Fact]
    public async Task GrpcWeb_OnTheHttpPort_IsAuthorizedAsGrpcIs()
    {
        using var channel = GrpcChannel.ForAddress(HttpPort, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWebText, new HttpClientHandler()), HttpVersion = HttpVersion.Version11,
        });
        var client = new SessionPolicyService.SessionPolicyServiceClient(channel);

        var decided = await client.DecideAsync(Sample.Human(), Bearer(Token("decide")));
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => client.DecideAsync(Sample.Human()).ResponseAsync);
        var unpermitted = await Assert.ThrowsAsync<RpcException>(() => client.DecideAsync(Sample.Human(), Bearer(Token("subscribe"))).ResponseAsync);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => client.DecideAsync(new DecideRequest(), Bearer(Token("decide"))).ResponseAsync);

        Assert.Equal(Outcome.Allow, decided.Decision.Outcome);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, unpermitted.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains(RpcAssert.FieldViolations(invalid), v => v.Field == "principal");
    }

    [Fact]
    public async Task TheJsonRoutes_AreNotServedOnTheGrpcPort()
    {
        using var h2 = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/v1/decide"))
        {
            Content = new StringContent(JsonFormatter.Default.Format(Sample.Human()), Encoding.UTF8, "application/json"),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("decide"));
        using var response = await h2.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesEveryTranscodedRoute()
    {
        using var response = await _http.GetAsync(new Uri(HttpPort, "/openapi/v1.json"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        foreach (var path in new[] { "/v1/decide", "/v1/decide:batch", "/v1/policy", "/v1/sessions:issue", "/v1/logouts:force", "/v1/receivers:list", "/v1/ssm/status" })
        {
            Assert.Contains(path, paths);
        }
    }

    [Fact]
    public async Task ABrowserPreflight_IsAllowedForTheConfiguredOriginOnly()
    {
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, new Uri(HttpPort, "/sessionpolicy.v1.SessionPolicyService/Decide"));
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-grpc-web");
            return await _http.SendAsync(request);
        }

        using var allowed = await Preflight("https://app.example.com");
        using var other = await Preflight("https://evil.example.com");

        Assert.True(allowed.IsSuccessStatusCode, allowed.StatusCode.ToString());
        Assert.Equal("https://app.example.com", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
