using Google.Rpc;
using Grpc.Core;

namespace SessionPolicy.Server.Tests.Helpers;

internal static class RpcAssert
{
    /// <summary>Asserts the call fails with INVALID_ARGUMENT naming <paramref name="field"/> in BadRequest details and the message.</summary>
    public static async Task<BadRequest> InvalidArgumentAsync(Func<Task> call, string field)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var badRequest = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        Assert.Contains(badRequest.FieldViolations, v => v.Field == field);
        Assert.Contains(field, ex.Status.Detail);
        return badRequest;
    }

    /// <summary>The field violations a failed call carries (none when it carries no google.rpc.BadRequest).</summary>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> FieldViolations(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations ?? (IReadOnlyList<BadRequest.Types.FieldViolation>)[];
}
