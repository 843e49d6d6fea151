using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>Calls to a receiver that misbehaves (a real HTTP server on loopback): every answer is bounded and named, none followed elsewhere.</summary>
public sealed class ReceiverHttpTests : IAsyncLifetime
{
    private WebApplication _receiver = null!;
    private int _port;
    private int _hits;

    public async Task InitializeAsync()
    {
        (_receiver, _port) = await LoopbackHttp.StartAsync(receiver =>
        {
            receiver.Use(async (context, next) =>
            {
                Interlocked.Increment(ref _hits);
                await next(context);
            });
            receiver.MapPost("/ok", () => Results.NoContent());
            receiver.MapPost("/redirect", (HttpContext c) => { c.Response.Redirect("http://169.254.169.254/latest/meta-data/"); });
            receiver.MapPost("/huge", async (HttpContext c) =>
            {
                var chunk = new byte[64 * 1024];
                for (var i = 0; i < 32; i++) await c.Response.Body.WriteAsync(chunk);
            });
            receiver.MapPost("/declared-huge", async (HttpContext c) =>
            {
                c.Response.ContentLength = 10_000_000;
                await c.Response.Body.WriteAsync(new byte[16]);
                await c.Response.Body.FlushAsync();
            });
            receiver.MapPost("/hang", async (HttpContext c) => await Task.Delay(Timeout.Infinite, c.RequestAborted));
            receiver.MapPost("/busy", (HttpContext c) =>
            {
                c.Response.Headers.RetryAfter = "7";
                return Results.StatusCode(503);
            });
            receiver.MapPost("/bad", () => Results.Json(new { err = "invalid_request", description = "bad token" }, statusCode: 400));
        });
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static ReceiverHttp Client(ReceiverOptions options, IReceiverResolver? resolver = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), resolver ?? new DnsReceiverResolver(), new FakeTimeProvider());

    private static readonly ReceiverOptions Development = new() { AllowHttpLoopback = true, RequestTimeout = TimeSpan.FromSeconds(5), MaxResponseBytes = 4096 };

    private HttpRequestMessage Post(string path, string host = "127.0.0.1") => new(HttpMethod.Post, $"http://{host}:{_port}{path}") { Content = new StringContent("logout_token=x") };

    [Fact]
    public async Task Answer_IsReturnedWithItsStatus()
    {
        using var http = Client(Development);

        var ok = await http.SendAsync(Post("/ok"), default);
        var bad = await http.SendAsync(Post("/bad"), default);

        Assert.Equal(HttpStatusCode.NoContent, ok.Status);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("invalid_request", bad.Body);
    }

    [Fact]
    public async Task Redirect_IsNotFollowed()
    {
        using var http = Client(Development);

        var answer = await http.SendAsync(Post("/redirect"), default);

        Assert.Equal(HttpStatusCode.Redirect, answer.Status);
        Assert.Equal(1, _hits);
    }

    [Theory]
    [InlineData("/huge")]
    [InlineData("/declared-huge")]
    public async Task OversizedAnswer_IsAFailure_NotReadToTheEnd(string path)
    {
        using var http = Client(Development);

        var answer = await http.SendAsync(Post(path), default);

        Assert.Equal(ReceiverFailure.TooLarge, answer.Failure);
        Assert.Null(answer.Status);
    }

    [Fact]
    public async Task ReceiverThatNeverAnswers_TimesOut()
    {
        using var http = Client(new ReceiverOptions { AllowHttpLoopback = true, RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var answer = await http.SendAsync(Post("/hang"), default);

        Assert.Equal(ReceiverFailure.Timeout, answer.Failure);
    }

    [Fact]
    public async Task RetryAfter_IsRead()
    {
        using var http = Client(Development);

        var answer = await http.SendAsync(Post("/busy"), default);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), answer.RetryAfter);
    }

    [Fact]
    public async Task Loopback_IsRefusedAtConnection_WithoutTheDevelopmentSetting()
    {
        using var http = Client(new ReceiverOptions());

        var answer = await http.SendAsync(Post("/ok"), default);

        Assert.Equal(ReceiverFailure.Refused, answer.Failure);
        Assert.Equal(0, _hits);
    }

    [Fact]
    public async Task NameThatLaterResolvesToMetadata_IsRefusedAtTheNextConnection()
    {
        var resolver = new SwitchingResolver(IPAddress.Loopback);
        using var http = Client(Development, resolver);

        var first = await http.SendAsync(Post("/ok", "receiver.test"), default);
        resolver.Address = IPAddress.Parse("169.254.169.254");
        // A new connection: the name is resolved and vetted again.
        using var again = Client(Development, resolver);
        var rebound = await again.SendAsync(Post("/ok", "receiver.test"), default);

        Assert.Equal(HttpStatusCode.NoContent, first.Status);
        Assert.Equal(ReceiverFailure.Refused, rebound.Failure);
        Assert.Contains("link-local", rebound.Why);
        Assert.Equal(1, _hits);
    }

    [Fact]
    public async Task NobodyListening_IsUnreachable_InTheServicesWords()
    {
        using var http = Client(Development);
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var answer = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/ok"), default);

        Assert.Equal(ReceiverFailure.Unreachable, answer.Failure);
        Assert.Equal("ConnectionError", answer.Why);
    }

    private sealed class SwitchingResolver(IPAddress address) : IReceiverResolver
    {
        public IPAddress Address { get; set; } = address;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Task.FromResult(new[] { Address });
    }
}
