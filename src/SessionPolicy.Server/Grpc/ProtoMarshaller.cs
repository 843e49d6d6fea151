using Google.Protobuf;
using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>Marshallers for protobuf messages, as the generated code makes them, for methods bound by hand.</summary>
internal static class ProtoMarshaller
{
    public static Marshaller<T> For<T>(MessageParser<T> parser) where T : IMessage<T>, IBufferMessage =>
        Marshallers.Create<T>(Write, context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>Writes a message straight into the call's buffer.</summary>
    public static void Write<T>(T message, SerializationContext context) where T : IMessage<T>, IBufferMessage
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
