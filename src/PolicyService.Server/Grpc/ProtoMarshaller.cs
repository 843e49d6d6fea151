using Google.Protobuf;
using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>Marshallers for protobuf messages, as the generated code makes them, for methods bound by hand.</summary>
internal static class ProtoMarshaller
{
    public static Marshaller<T> For<T>(MessageParser<T> parser) where T : IMessage<T>, IBufferMessage =>
        Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
