using System.IO.Compression;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Functional;

/// <summary>
/// Bytes that are not a method's request message, sent raw over HTTP/2 to every RPC and to health: each answers
/// INVALID_ARGUMENT (never UNKNOWN), and none is logged as an error.
/// </summary>
public sealed class MalformedRequestTests : IDisposable
{
    private readonly CapturedLogs _logs = new();
    private readonly PolicyServiceFactory _server;

    public MalformedRequestTests() =>
        _server = new PolicyServiceFactory(Sample.OneHourPolicy, services: s => s.AddSingleton<ILoggerProvider>(_logs));

    public void Dispose() => _server.Dispose();

    private static readonly string[] AllMethods =
    [
        "/sessionpolicy.v1.SessionPolicyService/Decide", "/sessionpolicy.v1.SessionPolicyService/DecideBatch",
        "/sessionpolicy.v1.SessionPolicyService/GetPolicyInfo", "/sessionpolicy.v1.SessionCredentialsService/IssueSession",
        "/sessionpolicy.v1.SessionEventsService/SubscribeLogouts", "/sessionpolicy.v1.SessionEventsService/RegisterSession",
        "/sessionpolicy.v1.SessionEventsService/RecordActivity", "/sessionpolicy.v1.SessionEventsService/ForceLogout",
        "/sessionpolicy.v1.SessionEventsService/ListSessions", "/sessionpolicy.v1.SessionEventsService/ReportSignal",
        "/grpc.health.v1.Health/Check",
    ];

    public static TheoryData<string> Methods => new(AllMethods);

    /// <summary>Field 1, length-delimited, declaring 4 GiB that never follow.</summary>
    private static readonly byte[] Undecodable = [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Body_NotTheRequestMessage_IsInvalidArgument(string method) =>
        Assert.Equal("3", await StatusOfAsync(method, Frame(0, Undecodable)));

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task LengthPrefix_FFFFFFFF_IsInvalidArgument(string method) =>
        Assert.Equal("3", await StatusOfAsync(method, [0, 0xff, 0xff, 0xff, 0xff, 0x0a, 0x00]));

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task FrameFlag_Unknown_IsInvalidArgument(string method) =>
        Assert.Equal("3", await StatusOfAsync(method, Frame(2, [0x0a, 0x00])));

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task GzipBody_ThatDoesNotDecompress_IsInvalidArgument(string method) =>
        Assert.Equal("3", await StatusOfAsync(method, Frame(1, "this is not gzip"u8.ToArray()), gzip: true));

    [Fact]
    public async Task GzipBody_ThatInflatesBeyondTheMessageLimit_IsResourceExhausted()
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(new byte[5 * 1024 * 1024]);

        Assert.Equal("8", await StatusOfAsync("/sessionpolicy.v1.SessionPolicyService/DecideBatch", Frame(1, compressed.ToArray()), gzip: true));
    }

    [Fact]
    public async Task MalformedRequests_AreNotLoggedAsErrors()
    {
        foreach (var method in AllMethods)
        {
            await StatusOfAsync(method, Frame(0, Undecodable));
            await StatusOfAsync(method, Frame(2, [0x0a, 0x00]));
        }

        Assert.DoesNotContain(_logs.Records, r => r.Level >= LogLevel.Error);
        Assert.DoesNotContain(_logs.Records, r => r.Level >= LogLevel.Information && r.Exception is not null);
    }

    private static byte[] Frame(byte flag, byte[] payload) =>
        [flag, (byte)(payload.Length >> 24), (byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    /// <summary>The grpc-status the server ends the call with (from the trailers, or the headers of a trailers-only reply).</summary>
    private async Task<string?> StatusOfAsync(string method, byte[] body, bool gzip = false)
    {
        using var client = _server.CreateDefaultClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, method) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (gzip) request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();
        return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
    }
}
