using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// gzip for gRPC messages, bounded: a request body that is not gzip ends the call with INVALID_ARGUMENT, and
/// one that inflates beyond the largest message allowed with RESOURCE_EXHAUSTED, instead of UNKNOWN or an
/// unbounded buffer in memory.
/// </summary>
internal sealed class GuardedGzipProvider(int maxMessageBytes, MalformedRequests malformed) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new Bounded(new GZipStream(stream, CompressionMode.Decompress), maxMessageBytes, malformed);

    private sealed class Bounded(GZipStream inner, int max, MalformedRequests malformed) : Stream
    {
        private long _read;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            try
            {
                n = inner.Read(buffer);
            }
            catch (InvalidDataException)
            {
                throw malformed.Refuse("(gzip request)", "its gzip body does not decompress");
            }
            _read += n;
            if (_read > max) throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the request decompresses to more than {max} bytes (SessionPolicy:Limits:MaxMessageBytes)"));
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
