using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>Requests padded with fields the contract does not know cost their size while read, and nothing after.</summary>
public sealed class PaddedRequestTests : IDisposable
{
    private const int Padding = 1024 * 1024;
    private readonly PolicyServiceFactory _factory = new(Sample.OneHourPolicy);

    public void Dispose() => _factory.Dispose();

    /// <summary>The message's bytes with an unknown length-delimited field (number 1000) of <paramref name="size"/> bytes, distinct per <paramref name="seed"/>.</summary>
    private static byte[] Padded(IMessage message, int seed, int size = Padding)
    {
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        message.WriteTo(coded);
        coded.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        var filler = new byte[size];
        BitConverter.TryWriteBytes(filler, seed);
        coded.WriteBytes(ByteString.CopyFrom(filler));
        coded.Flush();
        return output.ToArray();
    }

    private Task<byte[]> Raw(string service, string method, byte[] body)
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, service, method, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        return _factory.Channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(), body).ResponseAsync;
    }

    [Fact]
    public async Task PaddedDecides_OfOnePrincipal_LeaveTheCacheAtTheSizeOfOneDecision()
    {
        // 200 requests of one principal, each with its own megabyte of unknown bytes: kept +506 MiB before.
        var cache = _factory.Services.GetRequiredService<DecisionCache>();
        var decisions = new List<Decision>();
        for (var i = 0; i < 200; i++)
        {
            var reply = await Raw("sessionpolicy.v1.SessionPolicyService", "Decide", Padded(Sample.Human(), i));
            decisions.Add(DecideResponse.Parser.ParseFrom(reply).Decision);
        }

        Assert.All(decisions, d => Assert.Equal(3600, d.MaxSessionSeconds));
        Assert.Single(decisions.Select(d => d.DecisionId).Distinct());
        Assert.Equal(1, cache.Count);
        Assert.InRange(cache.Bytes, 1, 16 * 1024);
    }

    [Fact]
    public async Task PaddedBatch_IsDecided_AndNotKept()
    {
        var cache = _factory.Services.GetRequiredService<DecisionCache>();
        var batch = DecideBatchRequest.Parser.ParseFrom(Padded(new DecideBatchRequest { Requests = { Sample.Human(), Sample.Service() } }, 7));

        var reply = await new SessionPolicyService.SessionPolicyServiceClient(_factory.Channel).DecideBatchAsync(batch);

        Assert.Equal(2, reply.Decisions.Count);
        Assert.InRange(cache.Bytes, 1, 32 * 1024);
    }

    [Fact]
    public async Task PaddedRegisterSession_StoresNoUnknownBytes()
    {
        // Padding inside the principal message (which is stored) and at the top: neither reaches the stored record.
        var request = Helpers.Sessions.Register();
        request.Principal = Principal.Parser.ParseFrom(Padded(request.Principal, 2));
        var padded = Padded(request, 1);
        var withNested = RegisterSessionRequest.Parser.ParseFrom(padded);
        var store = _factory.Services.GetRequiredService<ISessionStore>();

        var reply = RegisterSessionResponse.Parser.ParseFrom(await Raw("sessionpolicy.v1.SessionEventsService", "RegisterSession", padded));
        var record = await store.GetAsync(reply.Session.SessionId, CancellationToken.None);

        Assert.True(withNested.Principal.CalculateSize() > Padding, "the typed parser keeps unknown fields: the padding is really there");
        Assert.NotNull(record);
        Assert.InRange(record.Request.Length, 1, 4096);
    }
}
