using System.Buffers;

namespace SessionPolicy.Server.Hosting;

/// <summary>
/// Reads a body someone else sends (a caller's request, a receiver's or AWS's answer) to its end, never holding more than
/// a limit: a declared length over it is refused without reading, and reading stops as soon as the bytes pass it.
/// Memory grows with what arrives, not with the limit.
/// </summary>
internal static class BoundedRead
{
    private const int Chunk = 16 * 1024;

    /// <summary>The bytes of <paramref name="stream"/>, or null when it holds (or declares) more than <paramref name="maxBytes"/>.</summary>
    public static async Task<ArraySegment<byte>?> ReadAsync(Stream stream, long? declaredLength, int maxBytes, CancellationToken cancellationToken)
    {
        if (declaredLength > maxBytes) return null;
        var body = new MemoryStream(declaredLength is { } length ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk.AsMemory(0, Chunk), cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes) return null;
                body.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return new ArraySegment<byte>(body.GetBuffer(), 0, (int)body.Length);
    }
}
