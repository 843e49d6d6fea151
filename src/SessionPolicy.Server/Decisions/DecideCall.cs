using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// A Decide request as it arrived: its protobuf bytes, parsed only when the decision is not cached.
/// On the wire this is exactly <see cref="DecideRequest"/>.
/// </summary>
internal sealed class DecideCall(byte[] encoded)
{
    public static readonly Marshaller<DecideCall> Marshaller = Marshallers.Create<DecideCall>(
        (call, context) => context.Complete(call.Encoded),
        context => new DecideCall(context.PayloadAsNewBuffer()));

    private static readonly Google.Protobuf.MessageParser<DecideRequest> Known = Grpc.ProtoMarshaller.Parser(DecideRequest.Parser);
    private DecideRequest? _request;

    /// <summary>The request bytes: the cache key.</summary>
    public byte[] Encoded { get; } = encoded;

    /// <summary>The parsed request.</summary>
    public DecideRequest Request => _request ??= Known.ParseFrom(Encoded);
}
