using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// The request body of a gRPC call, read through a check of every message frame's 5-byte header as it
/// arrives: a compressed flag other than 0 or 1, or a length no message can have, ends the call with
/// INVALID_ARGUMENT (<see cref="MalformedRequests"/>). The gRPC server would otherwise fail such frames
/// as UNKNOWN, outside any handler or interceptor. Lengths above the configured maximum are left to it
/// (RESOURCE_EXHAUSTED).
/// </summary>
internal sealed class FramedRequestBody(PipeReader inner, string method, MalformedRequests malformed) : PipeReader, IRequestBodyPipeFeature
{
    private const int HeaderSize = 5;
    private ReadOnlySequence<byte> _last;
    private long _consumed;
    private long _nextHeader;

    /// <summary>Reads gRPC request bodies through the check; other requests pass untouched.</summary>
    public static RequestDelegate Middleware(RequestDelegate next, MalformedRequests malformed) => context =>
    {
        if (context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            context.Features.Set<IRequestBodyPipeFeature>(new FramedRequestBody(context.Request.BodyReader, context.Request.Path.Value ?? "", malformed));
        }
        return next(context);
    };

    /// <summary>What is wrong with the frame header at the start of <paramref name="buffer"/>, or null; and the length it declares.</summary>
    private static string? Problem(ReadOnlySequence<byte> buffer, out uint length)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return header[0] > 1 ? $"a message frame has compressed flag {header[0]} (only 0 and 1 exist)"
            : length > int.MaxValue ? $"a message frame declares {length} bytes, more than any message can hold"
            : null;
    }

    PipeReader IRequestBodyPipeFeature.Reader => this;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(cancellationToken);
        if (!read.IsCompletedSuccessfully) return Checked(read);
        // A ValueTask may be consumed once: its result is handed on in a new one, never the task itself again.
        var result = read.Result;
        Check(result);
        return new ValueTask<ReadResult>(result);
    }

    private async ValueTask<ReadResult> Checked(ValueTask<ReadResult> read)
    {
        var result = await read;
        Check(result);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result)) return false;
        Check(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _last.Slice(_last.Start, consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    /// <summary>Checks each frame header that has arrived; the buffer starts where the reader last consumed.</summary>
    private void Check(ReadResult result)
    {
        var buffer = result.Buffer;
        _last = buffer;
        while (true)
        {
            var at = _nextHeader - _consumed;
            if (at < 0 || buffer.Length < at + HeaderSize) return;
            var why = Problem(buffer.Slice(at), out var length);
            if (why is not null)
            {
                // Nothing of this body will be read: hand the buffer back before the call ends.
                inner.AdvanceTo(buffer.End);
                _last = default;
                throw malformed.Refuse(method, why);
            }
            _nextHeader += HeaderSize + length;
        }
    }
}
