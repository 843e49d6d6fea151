using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using SessionPolicy.Server.Grpc;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class FailureInterceptorTests
{
    private readonly FailureInterceptor _interceptor = new(NullLogger<FailureInterceptor>.Instance);
    private readonly FakeServerCallContext _context = new("/sessionpolicy.v1.SessionPolicyService/Decide");

    public static TheoryData<string, Func<string, ServerCallContext, Task<string>>> Unexpected => new()
    {
        { "thrown before the task", (_, _) => throw new InvalidOperationException("secret internals") },
        { "faulted task", (_, _) => Task.FromException<string>(new InvalidOperationException("secret internals")) },
        { "late fault", async (_, _) => { await Task.Yield(); throw new InvalidOperationException("secret internals"); } },
    };

    [Theory]
    [MemberData(nameof(Unexpected))]
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

    private static readonly Dictionary<string, ServiceFailure> Failures = new()
    {
        ["not found"] = ServiceFailure.NotFound("session s1 is not registered"),
        ["conflict"] = ServiceFailure.Conflict("session s1 is already registered"),
        ["precondition"] = ServiceFailure.Precondition("STS is not configured"),
        ["denied"] = ServiceFailure.Denied("no"),
        ["unavailable"] = ServiceFailure.Unavailable("the shared store is down", TimeSpan.FromSeconds(1)),
        ["exhausted"] = ServiceFailure.Exhausted("too many streams"),
        ["invalid field"] = ServiceFailure.InvalidField("inline_policy", "was refused"),
    };

    [Theory]
    [InlineData("not found", StatusCode.NotFound)]
    [InlineData("conflict", StatusCode.AlreadyExists)]
    [InlineData("precondition", StatusCode.FailedPrecondition)]
    [InlineData("denied", StatusCode.PermissionDenied)]
    [InlineData("unavailable", StatusCode.Unavailable)]
    [InlineData("exhausted", StatusCode.ResourceExhausted)]
    [InlineData("invalid field", StatusCode.InvalidArgument)]
    public async Task Unary_ServiceFailure_MapsToItsStatusWithItsMessage(string kind, StatusCode expected)
    {
        var failure = Failures[kind];
        var ex = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", _context, (_, _) => throw failure));

        Assert.Equal(expected, ex.StatusCode);
        Assert.Equal(failure.Message, ex.Status.Detail);
    }

    [Fact]
    public async Task Unary_InvalidField_CarriesABadRequestNamingTheField()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", _context,
            (_, _) => throw ServiceFailure.InvalidField("inline_policy", "was refused by STS")));

        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations);
        Assert.Equal("inline_policy", violation.Field);
    }

    [Fact]
    public async Task Unary_Unavailable_CarriesRetryInfo()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("request", _context,
            (_, _) => throw ServiceFailure.Unavailable("the shared store is down", TimeSpan.FromSeconds(2))));

        var retry = ex.GetRpcStatus()!.GetDetail<Google.Rpc.RetryInfo>();
        Assert.Equal(TimeSpan.FromSeconds(2), retry!.RetryDelay.ToTimeSpan());
    }
}

