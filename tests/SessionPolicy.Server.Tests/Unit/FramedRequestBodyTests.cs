using System.Buffers;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SessionPolicy.Server.Grpc;

namespace SessionPolicy.Server.Tests.Unit;

/// <summary>The frame check on a body whose bytes arrive in pieces (the path where the header is not there yet when the call begins).</summary>
public sealed class FramedRequestBodyTests
{
    private static readonly MalformedRequests Malformed = new(
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), NullLogger<MalformedRequests>.Instance);

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0, 1, 0x0a })]
    [InlineData(new byte[] { 0, 0xff, 0xff, 0xff, 0xff, 0x0a })]
    public async Task Header_ArrivingAfterTheCallBegan_IsCheckedWhenItArrives(byte[] frame)
    {
        var pipe = new Pipe();
        var body = new FramedRequestBody(pipe.Reader, "/sessionpolicy.v1.SessionPolicyService/Decide", Malformed);
        await pipe.Writer.WriteAsync(frame.AsMemory(0, 2));

        var first = await body.ReadAsync();
        body.AdvanceTo(first.Buffer.Start, first.Buffer.End);
        await pipe.Writer.WriteAsync(frame.AsMemory(2));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await body.ReadAsync());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task Frames_ThatAreWellFormed_PassThroughUnchanged_OneAfterAnother()
    {
        var pipe = new Pipe();
        var body = new FramedRequestBody(pipe.Reader, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Malformed);
        byte[] two = [0, 0, 0, 0, 2, 0x0a, 0x00, 1, 0, 0, 0, 1, 0x00];
        await pipe.Writer.WriteAsync(two);
        await pipe.Writer.CompleteAsync();

        var read = await body.ReadAsync();

        Assert.Equal(two, read.Buffer.ToArray());
        body.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public async Task SecondFrame_WithAnUnknownFlag_IsRefused()
    {
        var pipe = new Pipe();
        var body = new FramedRequestBody(pipe.Reader, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Malformed);
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 1, 0x00 });
        var first = await body.ReadAsync();
        body.AdvanceTo(first.Buffer.End);
        await pipe.Writer.WriteAsync(new byte[] { 7, 0, 0, 0, 1, 0x00 });

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await body.ReadAsync());

        Assert.Contains("compressed flag 7", ex.Status.Detail);
    }
}
