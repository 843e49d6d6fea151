using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.RawHttp2;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>
/// Bad HTTP/2 and gRPC framing over real sockets, against the host on Kestrel on loopback: seeded cases of random
/// bytes, corrupted frame headers, bad header blocks, CONTINUATION and PING floods, rapid resets, bad settings and
/// window updates, lying gRPC lengths. After them the service still answers, nothing it logged is an error of its
/// own, and its managed memory has not grown with the number of cases.
/// </summary>
public sealed class FrameFuzzTests : IDisposable
{
    private const int CasesPerRound = 150;
    private static readonly string[] Paths =
    [
        "/sessionpolicy.v1.SessionPolicyService/Decide", "/sessionpolicy.v1.SessionPolicyService/DecideBatch",
        "/sessionpolicy.v1.SessionEventsService/RegisterSession", "/sessionpolicy.v1.SessionEventsService/SubscribeLogouts",
        "/sessionpolicy.v1.SessionCredentialsService/IssueSession", "/sessionpolicy.v1.Nope/Nothing", "/", "*",
    ];

    private readonly CapturedLogs _logs = new();
    private readonly PolicyServiceFactory _factory;
    private readonly int _port;

    public FrameFuzzTests()
    {
        _factory = new PolicyServiceFactory(Sample.OneHourPolicy, services: s => s.AddSingleton<ILoggerProvider>(_logs));
        _factory.UseKestrel(0);
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
    }

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task BadFrames_LeaveTheServiceAnswering_WithoutErrorsOfItsOwn_OrMemoryThatGrowsWithThem(int seed)
    {
        var offset = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED_OFFSET"), out var o) ? o : 0;
        var random = new Random(seed + offset);
        var decide = Sample.Human().ToByteArray();

        // A first round warms every path up; the second must not keep more than the first left behind.
        await RoundAsync(random, decide);
        var before = FuzzTests.ManagedBytes();
        await RoundAsync(random, decide);
        var after = FuzzTests.ManagedBytes();

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_port}");
        var answer = await new SessionPolicyService.SessionPolicyServiceClient(channel).DecideAsync(Sample.Human());
        Assert.Equal(3600, answer.Decision.MaxSessionSeconds);
        Assert.Empty(_logs.Records.Where(r => r.Level >= LogLevel.Error && r.Category.StartsWith("SessionPolicy", StringComparison.Ordinal)).Select(r => r.Message));
        Assert.True(after - before < 32 << 20, $"managed memory grew by {(after - before) >> 20} MiB over {CasesPerRound} cases");
    }

    private async Task RoundAsync(Random random, byte[] decide)
    {
        var answered = 0;
        for (var i = 0; i < CasesPerRound; i++)
        {
            if (await SendAsync(_port, Case(random, decide))) answered++;
        }
        // The server read every connection: it answered each preface with its settings.
        Assert.Equal(CasesPerRound, answered);
    }

    [Fact]
    public async Task AValidCallWrittenByHand_IsAnswered()
    {
        var headers = HeaderBlock(GrpcHeaders("/sessionpolicy.v1.SessionPolicyService/Decide"));
        var call = (byte[])[.. Frame(Headers, EndHeaders, 1, headers), .. Frame(Data, EndStream, 1, GrpcMessage(Sample.Human().ToByteArray()))];

        var frames = await FramesAsync(call);

        // SETTINGS, then the reply's HEADERS, its DATA (the decision) and the trailers (HEADERS) on stream 1.
        Assert.Contains((Headers, 1), frames);
        Assert.Contains((Data, 1), frames);
    }

    private async Task<List<(byte Type, int Stream)>> FramesAsync(byte[] bytes)
    {
        var answer = await ExchangeAsync(_port, bytes);
        var frames = new List<(byte, int)>();
        for (var at = 0; at + 9 <= answer.Length;)
        {
            var length = answer[at] << 16 | answer[at + 1] << 8 | answer[at + 2];
            frames.Add((answer[at + 3], System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(answer.AsSpan(at + 5)) & int.MaxValue));
            at += 9 + length;
        }
        return frames;
    }

    /// <summary>One bad exchange after the preface, chosen by <paramref name="random"/>.</summary>
    private static byte[] Case(Random random, byte[] decide)
    {
        var path = Paths[random.Next(Paths.Length)];
        var headers = HeaderBlock(GrpcHeaders(path));
        var body = GrpcMessage(decide);
        byte[] Valid(int stream) => [.. Frame(Headers, EndHeaders, stream, headers), .. Frame(Data, EndStream, stream, body)];
        switch (random.Next(15))
        {
            case 0:
                return Bytes(random, random.Next(1, 4096));
            case 1:
            {
                // A valid call with one byte of a frame header changed: length, type, flags or stream id.
                var frames = Valid(1);
                var frame = random.Next(2) == 0 ? 0 : 9 + headers.Length;
                frames[frame + random.Next(9)] ^= (byte)(1 << random.Next(8));
                return frames;
            }
            case 2:
                return Frame(Headers, EndHeaders | EndStream, 1, Bytes(random, random.Next(1, 512)));
            case 3:
            {
                // An index far past any table, or a table size update far past the settings.
                byte[] block = random.Next(2) == 0 ? [0xff, 0xff, 0xff, 0xff, 0x0f] : [0x3f, 0xff, 0xff, 0xff, 0x0f, .. headers];
                return Frame(Headers, EndHeaders | EndStream, 1, block);
            }
            case 4:
            {
                (string, string)[] fields = random.Next(3) switch
                {
                    0 => [(":method", "POST"), (":scheme", "http"), (":authority", "x"), ("content-type", "application/grpc")],
                    1 => [.. GrpcHeaders(path), ("Content-Type", "application/grpc"), ("connection", "keep-alive")],
                    _ => [.. GrpcHeaders(path), (":path", "/again"), ("content-type", "text/plain")],
                };
                return [.. Frame(Headers, EndHeaders, 1, HeaderBlock(fields)), .. Frame(Data, EndStream, 1, body)];
            }
            case 5:
            {
                // A header block that never ends: CONTINUATION after CONTINUATION.
                var flood = new List<byte>(Frame(Headers, 0, 1, headers));
                for (var n = random.Next(100, 3000); n > 0; n--) flood.AddRange(Frame(Continuation, 0, 1, HeaderBlock([($"x-{n}", new string('a', random.Next(1, 16)))])));
                return [.. flood];
            }
            case 6:
            {
                byte[] message = random.Next(4) switch
                {
                    0 => GrpcMessage(decide, lengthClaimed: decide.Length + random.Next(1, 1 << 24)),
                    1 => GrpcMessage(decide, compressed: true),
                    2 => [.. body, .. body],
                    _ => body[..random.Next(1, 5)],
                };
                return [.. Frame(Headers, EndHeaders, 1, headers), .. Frame(Data, EndStream, 1, message)];
            }
            case 7:
            {
                // Rapid reset: streams opened and cancelled at once.
                var resets = new List<byte>();
                for (var s = 1; s < 2 * random.Next(100, 1000); s += 2)
                {
                    resets.AddRange(Frame(Headers, EndHeaders, s, headers));
                    resets.AddRange(Frame(RstStream, 0, s, [0, 0, 0, 8]));
                }
                return [.. resets];
            }
            case 8:
            {
                byte[] setting = random.Next(4) switch
                {
                    0 => [0x00, 0x02, 0x00, 0x00, 0x00, 0x02],
                    1 => [0x00, 0x04, 0x80, 0x00, 0x00, 0x00],
                    2 => [0x00, 0x05, 0x00, 0x00, 0x00, 0x01],
                    _ => [0x00, 0x03, 0x00],
                };
                return [.. Frame(Settings, 0, random.Next(2), setting), .. Valid(1)];
            }
            case 9:
                return random.Next(2) == 0
                    ? [.. Frame(WindowUpdate, 0, 0, [0, 0, 0, 0]), .. Valid(1)]
                    : [.. Frame(Headers, EndHeaders, 1, headers), .. Frame(WindowUpdate, 0, 1, [0x7f, 0xff, 0xff, 0xff]), .. Frame(WindowUpdate, 0, 1, [0x7f, 0xff, 0xff, 0xff])];
            case 10:
            {
                var pings = new List<byte>();
                for (var n = random.Next(100, 2000); n > 0; n--) pings.AddRange(Frame(Ping, 0, 0, Bytes(random, random.Next(10) == 0 ? 7 : 8)));
                return [.. pings, .. Valid(1)];
            }
            case 11:
            {
                // One header far larger than the server takes, split correctly over CONTINUATION frames.
                var block = HeaderBlock([.. GrpcHeaders(path), ("x-big", new string('b', random.Next(64, 200) * 1024))]);
                var frames = new List<byte>();
                for (var at = 0; at < block.Length; at += 16 * 1024)
                {
                    var last = at + 16 * 1024 >= block.Length;
                    frames.AddRange(Frame(at == 0 ? Headers : Continuation, last ? EndHeaders : (byte)0, 1, block.AsSpan(at, Math.Min(16 * 1024, block.Length - at))));
                }
                return [.. frames, .. Frame(Data, EndStream, 1, body)];
            }
            case 12:
                return random.Next(3) switch
                {
                    0 => Valid(2),
                    1 => [.. Valid(5), .. Valid(3)],
                    _ => Valid(0),
                };
            case 13:
                return random.Next(3) switch
                {
                    0 => [.. Frame(Data, EndStream, 1, body), .. Valid(3)],
                    1 => [.. Valid(1), .. Frame(Data, EndStream, 1, body)],
                    _ => Frame(Data, 0, 1, body, lengthClaimed: (1 << 24) - 1),
                };
            default:
                return random.Next(2) == 0
                    ? [.. Frame(Priority, 0, 1, [0, 0, 0, 1, 16]), .. Valid(1)]
                    : [.. Frame(Headers, EndHeaders | Padded, 1, [0xff, .. headers]), .. Frame(Data, EndStream, 1, body)];
        }
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
