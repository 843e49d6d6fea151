using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;

namespace SessionPolicy.Server.Grpc;

/// <summary>Fails a call as INVALID_ARGUMENT with <c>google.rpc.BadRequest</c> details naming every bad field.</summary>
internal static class FieldViolationsExtensions
{
    public static void ThrowIfAny(this FieldViolations errors)
    {
        if (!errors.Any) return;
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(errors.Violations);
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = errors.Describe(), Details = { Any.Pack(badRequest) } };
        throw status.ToRpcException();
    }
}
