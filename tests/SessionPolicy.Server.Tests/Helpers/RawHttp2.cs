using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// HTTP/2 written by hand (RFC 9113 frames, RFC 7541 literal header fields), for sending a server what no client
/// library would: bad frames, lying lengths, floods. <see cref="SendAsync"/> opens a connection, writes the bytes
/// and reads whatever comes back until the server closes.
/// </summary>
internal static class RawHttp2
{
    public const byte Data = 0x0, Headers = 0x1, Priority = 0x2, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8;

    /// <summary>The client connection preface and an empty SETTINGS frame.</summary>
    public static byte[] Preface() => [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, .. Frame(Settings, 0, 0, [])];

    /// <summary>A frame: 24-bit length, type, flags, 31-bit stream id, payload.</summary>
    public static byte[] Frame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload, int? lengthClaimed = null)
    {
        var frame = new byte[9 + payload.Length];
        var length = lengthClaimed ?? payload.Length;
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>A header block of literal fields without indexing (no Huffman, no table).</summary>
    public static byte[] HeaderBlock(IEnumerable<(string Name, string Value)> fields)
    {
        var block = new List<byte>();
        foreach (var (name, value) in fields)
        {
            block.Add(0x00);
            String(block, name);
            String(block, value);
        }
        return [.. block];
    }

    /// <summary>The headers of a gRPC call to <paramref name="path"/>.</summary>
    public static (string, string)[] GrpcHeaders(string path) =>
        [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "127.0.0.1"), ("content-type", "application/grpc"), ("te", "trailers")];

    /// <summary>A gRPC length-prefixed message.</summary>
    public static byte[] GrpcMessage(ReadOnlySpan<byte> message, bool compressed = false, int? lengthClaimed = null)
    {
        var framed = new byte[5 + message.Length];
        framed[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), lengthClaimed ?? message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>
    /// Connects to <paramref name="port"/> on loopback, sends the preface and waits for the server's SETTINGS, then
    /// writes <paramref name="bytes"/> and a GOAWAY, closes its sending side and reads until the server closes.
    /// Returns whether the server had answered the preface (it read the connection); what it does with the rest,
    /// whatever it is, must leave it serving.
    /// </summary>
    public static async Task<bool> SendAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = client.GetStream();
        // Bounds the case, in case the server leaves the connection open; never what the test asserts on.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.WriteAsync(Preface(), patience.Token);
        var header = new byte[9];
        var answered = await ReadFullyAsync(stream, header, patience.Token) && header[3] == Settings;
        try
        {
            await stream.WriteAsync((byte[])[.. bytes, .. Frame(GoAway, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])], patience.Token);
            client.Client.Shutdown(SocketShutdown.Send);
            await ReadToEndAsync(stream, 1 << 20, patience.Token);
        }
        catch (IOException)
        {
            // The server cut the connection while it was being written to: an answer too.
        }
        return answered;
    }

    /// <summary>
    /// Writes the preface, <paramref name="bytes"/> and a GOAWAY, and returns what the server sent until it closed: it
    /// finishes the streams it took first. For exchanges that end (a complete call).
    /// </summary>
    public static async Task<byte[]> ExchangeAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = client.GetStream();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.WriteAsync((byte[])[.. Preface(), .. bytes, .. Frame(GoAway, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0])], patience.Token);
        return await ReadToEndAsync(stream, 1 << 20, patience.Token);
    }

    private static async Task<bool> ReadFullyAsync(NetworkStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, int maxRead, CancellationToken cancellationToken)
    {
        var answer = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (answer.Length < maxRead)
            {
                var n = await stream.ReadAsync(buffer, cancellationToken);
                if (n == 0) break;
                answer.Write(buffer, 0, n);
            }
        }
        catch (IOException)
        {
        }
        return answer.ToArray();
    }

    private static void String(List<byte> block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Integer(block, bytes.Length, 7, 0x00);
        block.AddRange(bytes);
    }

    /// <summary>An HPACK integer with an <paramref name="prefixBits"/>-bit prefix (RFC 7541 §5.1).</summary>
    public static void Integer(List<byte> block, int value, int prefixBits, byte first)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(first | value));
            return;
        }
        block.Add((byte)(first | max));
        value -= max;
        while (value >= 0x80)
        {
            block.Add((byte)(value % 0x80 + 0x80));
            value /= 0x80;
        }
        block.Add((byte)value);
    }
}
