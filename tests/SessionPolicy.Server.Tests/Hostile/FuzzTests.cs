using Google.Protobuf;
using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>
/// Seeded malformed requests against every RPC of the host: random bytes, truncations, flipped bytes, trailing
/// garbage, deeply nested groups, lying lengths and oversized messages. None may end as UNKNOWN or INTERNAL,
/// and the service keeps answering. <c>load-tests/fuzz.sh</c> runs more seeds.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private readonly PolicyServiceFactory _factory = new(Sample.OneHourPolicy);

    public void Dispose() => _factory.Dispose();

    private static readonly (string Service, string Method, IMessage Valid)[] Rpcs =
    [
        ("sessionpolicy.v1.SessionPolicyService", "Decide", Sample.Human()),
        ("sessionpolicy.v1.SessionPolicyService", "DecideBatch", new DecideBatchRequest { Requests = { Sample.Human(), Sample.Service() } }),
        ("sessionpolicy.v1.SessionPolicyService", "GetPolicyInfo", new GetPolicyInfoRequest()),
        ("sessionpolicy.v1.SessionCredentialsService", "IssueSession", StsTestBed.Request()),
        ("sessionpolicy.v1.SessionEventsService", "RegisterSession", Helpers.Sessions.Register()),
        ("sessionpolicy.v1.SessionEventsService", "RecordActivity", Helpers.Sessions.Activity("s1")),
        ("sessionpolicy.v1.SessionEventsService", "ForceLogout", new ForceLogoutRequest { PrincipalId = "alice" }),
        ("sessionpolicy.v1.SessionEventsService", "ListSessions", new ListSessionsRequest()),
        ("sessionpolicy.v1.SessionEventsService", "ReportSignal", new ReportSignalRequest { PrincipalId = "alice", RiskScore = 1 }),
        ("sessionpolicy.v1.SessionEventsService", "SubscribeLogouts", new SubscribeLogoutsRequest { Audiences = { "app-a" } }),
    ];

    /// <summary>One malformed variant of <paramref name="valid"/>, chosen by <paramref name="random"/>.</summary>
    public static byte[] Mutate(byte[] valid, Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                return RandomBytes(random, random.Next(0, 512));
            case 1:
                return valid.Length == 0 ? [0x0a] : valid[..random.Next(valid.Length)];
            case 2:
            {
                var flipped = (byte[])valid.Clone();
                for (var i = 0; i < 1 + random.Next(4) && flipped.Length > 0; i++) flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            }
            case 3:
                return [.. valid, .. RandomBytes(random, random.Next(1, 64))];
            case 4:
            {
                // Unknown groups nested far deeper than any parser should follow.
                var depth = random.Next(100, 20_000);
                var output = new MemoryStream();
                var coded = new CodedOutputStream(output);
                for (var i = 0; i < depth; i++) coded.WriteTag(99, WireFormat.WireType.StartGroup);
                for (var i = 0; i < depth; i++) coded.WriteTag(99, WireFormat.WireType.EndGroup);
                coded.Flush();
                return [.. valid, .. output.ToArray()];
            }
            case 5:
                // A length-delimited field that claims far more bytes than follow.
                return [.. valid, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, .. RandomBytes(random, 8)];
            default:
                // Nested sub-messages as deep as the bytes allow (field 1 of each is a message).
                var nested = RandomBytes(random, 4);
                for (var i = 0; i < random.Next(50, 400); i++) nested = [0x0a, .. Varint(nested.Length), .. nested];
                return nested;
        }
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }
        bytes.Add((byte)v);
        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private async Task<StatusCode> Call(string service, string method, byte[] body)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var invoker = _factory.Channel.CreateCallInvoker();
        try
        {
            if (method == "SubscribeLogouts")
            {
                using var cancel = new CancellationTokenSource();
                using var call = invoker.AsyncServerStreamingCall(new Method<byte[], byte[]>(MethodType.ServerStreaming, service, method, bytes, bytes), null,
                    new CallOptions(cancellationToken: cancel.Token), body);
                // A stream that opens (its first keepalive) accepted the bytes as a request.
                await call.ResponseStream.MoveNext(CancellationToken.None);
                cancel.Cancel();
                return StatusCode.OK;
            }
            await invoker.AsyncUnaryCall(new Method<byte[], byte[]>(MethodType.Unary, service, method, bytes, bytes), null, new CallOptions(), body).ResponseAsync;
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task MalformedRequests_OnEveryRpc_NeverUnknownOrInternal(int seed)
    {
        // load-tests/fuzz.sh moves the seeds with FUZZ_SEED_OFFSET to try more of them.
        var offset = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED_OFFSET"), out var o) ? o : 0;
        var random = new Random(seed + offset);
        var seen = new List<(string Method, StatusCode Status, string Bytes)>();
        var managed = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            // Managed memory after the first half (everything warmed up) and after the second.
            if (i == 50) managed.Add(ManagedBytes());
            foreach (var (service, method, valid) in Rpcs)
            {
                var body = Mutate(valid.ToByteArray(), random);
                var status = await Call(service, method, body);
                if (status is StatusCode.Unknown or StatusCode.Internal) seen.Add((method, status, Convert.ToBase64String(body[..Math.Min(body.Length, 64)])));
            }
        }
        managed.Add(ManagedBytes());
        var after = await new SessionPolicyService.SessionPolicyServiceClient(_factory.Channel).DecideAsync(Sample.Human());

        Assert.Empty(seen);
        Assert.Equal(3600, after.Decision.MaxSessionSeconds);
        Assert.True(managed[1] - managed[0] < 32 << 20, $"managed memory grew by {(managed[1] - managed[0]) >> 20} MiB over 500 malformed requests");
    }

    /// <summary>Bytes the managed heap holds after a full, compacting collection.</summary>
    internal static long ManagedBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public async Task OversizedMessages_AreResourceExhausted_OnEveryRpc()
    {
        var huge = new byte[5 * 1024 * 1024];
        foreach (var (service, method, _) in Rpcs)
        {
            Assert.Equal(StatusCode.ResourceExhausted, await Call(service, method, huge));
        }
    }
}
