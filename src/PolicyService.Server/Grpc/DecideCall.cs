using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// A Decide request as it arrived: its protobuf bytes, parsed only when the decision is not cached.
/// On the wire this is exactly <see cref="DecideRequest"/>.
/// </summary>
internal sealed class DecideCall(byte[] encoded)
{
    public static readonly Marshaller<DecideCall> Marshaller = Marshallers.Create<DecideCall>(
        (call, context) => context.Complete(call.Encoded),
        context => new DecideCall(context.PayloadAsNewBuffer()));

    private DecideRequest? _request;

    /// <summary>The request bytes: the cache key.</summary>
    public byte[] Encoded { get; } = encoded;

    /// <summary>The parsed request.</summary>
    public DecideRequest Request => _request ??= DecideRequest.Parser.ParseFrom(Encoded);
}

/// <summary>
/// A Decide reply: either a response to serialize, or the bytes of a cached one, sent as they are.
/// On the wire this is exactly <see cref="DecideResponse"/>.
/// </summary>
internal sealed class DecideReply
{
    public static readonly Marshaller<DecideReply> Marshaller = Marshallers.Create<DecideReply>(
        (reply, context) =>
        {
            if (reply.Encoded is { } bytes) context.Complete(bytes);
            else ProtoMarshaller.Write(reply.Message!, context);
        },
        context => new DecideReply(DecideResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    public DecideReply(DecideResponse message) => Message = message;

    public DecideReply(byte[] encoded) => Encoded = encoded;

    public DecideResponse? Message { get; }
    public byte[]? Encoded { get; }
}
