using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class UnhandledExceptionInterceptorTests
{
    private readonly UnhandledExceptionInterceptor _interceptor = new(NullLogger<UnhandledExceptionInterceptor>.Instance);
    private readonly FakeServerCallContext _context = new("/sessionpolicy.v1.SessionPolicyService/Decide");

    public static TheoryData<string, Func<string, ServerCallContext, Task<string>>> Failures => new()
    {
        { "thrown before the task", (_, _) => throw new InvalidOperationException("secret internals") },
        { "faulted task", (_, _) => Task.FromException<string>(new InvalidOperationException("secret internals")) },
        { "late fault", async (_, _) => { await Task.Yield(); throw new InvalidOperationException("secret internals"); } },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Unary_UnexpectedException_IsInternalWithoutItsMessage(string because, Func<string, ServerCallContext, Task<string>> handler)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler("request", _context, new UnaryServerMethod<string, string>(handler)));

        Assert.True(StatusCode.Internal == ex.StatusCode, because);
        Assert.DoesNotContain("secret", ex.Status.Detail);
    }

    [Fact]
    public async Task Unary_RpcException_PassesThroughUnchanged()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", _context,
            (_, _) => throw new RpcException(new Status(StatusCode.InvalidArgument, "principal.id is required"))));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("principal.id is required", ex.Status.Detail);
    }

    [Fact]
    public async Task Unary_Success_ReturnsTheResponse() =>
        Assert.Equal("ok", await _interceptor.UnaryServerHandler<string, string>("request", _context, (_, _) => Task.FromResult("ok")));
}
