using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.Server.Decisions;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// The one place a <see cref="ServiceFailure"/> becomes a gRPC status: its kind picks the code; its reason,
/// field, retry delay and decision travel as <c>google.rpc</c> details a client can read.
/// </summary>
internal static class StatusMapping
{
    public const string Domain = "sessionpolicy.v1";

    public static RpcException ToRpcException(ServiceFailure failure)
    {
        var status = new Google.Rpc.Status { Code = (int)CodeOf(failure.Kind), Message = failure.Message };
        if (failure.Field is { } field)
        {
            status.Details.Add(Any.Pack(BadRequests.Of([new BadRequest.Types.FieldViolation { Field = field, Description = failure.Message }])));
        }
        if (failure.Reason is { } reason)
        {
            var info = new ErrorInfo { Reason = reason, Domain = Domain };
            foreach (var (k, v) in failure.Metadata ?? new Dictionary<string, string>()) info.Metadata[k] = v;
            status.Details.Add(Any.Pack(info));
        }
        if (failure.RetryAfter is { } retry) status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retry) }));
        if (failure is DecisionRefusedException refused) status.Details.Add(Any.Pack((IMessage)refused.Decision));
        return status.ToRpcException();
    }

    private static Code CodeOf(FailureKind kind) => kind switch
    {
        FailureKind.InvalidArgument => Code.InvalidArgument,
        FailureKind.NotFound => Code.NotFound,
        FailureKind.Conflict => Code.AlreadyExists,
        FailureKind.FailedPrecondition => Code.FailedPrecondition,
        FailureKind.PermissionDenied => Code.PermissionDenied,
        FailureKind.Unavailable => Code.Unavailable,
        FailureKind.OutOfRange => Code.OutOfRange,
        FailureKind.ResourceExhausted => Code.ResourceExhausted,
        FailureKind.Aborted => Code.Aborted,
        _ => Code.Internal,
    };
}
