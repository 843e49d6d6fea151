using Google.Protobuf;
using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>Marshallers for protobuf messages, as the generated code makes them, for methods bound by hand.</summary>
internal static class ProtoMarshaller
{
    public static Marshaller<T> For<T>(MessageParser<T> parser) where T : IMessage<T>, IBufferMessage
    {
        var known = Parser(parser);
        return Marshallers.Create<T>(Write, context => known.ParseFrom(context.PayloadAsReadOnlySequence()));
    }

    /// <summary>
    /// How requests are parsed: fields the contract does not know are dropped, so a request padded with them
    /// costs its size only while it is read and never reaches a cache, a store or a log.
    /// </summary>
    public static MessageParser<T> Parser<T>(MessageParser<T> parser) where T : IMessage<T> => parser.WithDiscardUnknownFields(true);

    /// <summary>The same, for a message type known only at run time.</summary>
    public static MessageParser Parser(MessageParser parser) => parser.WithDiscardUnknownFields(true);

    /// <summary>Writes a message straight into the call's buffer.</summary>
    public static void Write<T>(T message, SerializationContext context) where T : IMessage<T>, IBufferMessage
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
