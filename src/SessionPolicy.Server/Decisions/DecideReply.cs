using Grpc.Core;
using SessionPolicy.Server.Grpc;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

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
