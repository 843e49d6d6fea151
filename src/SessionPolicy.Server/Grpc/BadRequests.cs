using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.Mapping;

namespace SessionPolicy.Server.Grpc;

/// <summary>INVALID_ARGUMENT with <c>google.rpc.BadRequest</c> details naming every bad field: the one way a request is refused for its fields.</summary>
internal static class BadRequests
{
    /// <summary>Ends the call as INVALID_ARGUMENT when the request's reader recorded any violation.</summary>
    public static void ThrowIfAny(this FieldViolations errors)
    {
        if (!errors.Any) return;
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = errors.Describe(), Details = { Any.Pack(Of(errors.Violations)) } };
        throw status.ToRpcException();
    }

    /// <summary>A value the reader returned, once it is known to be valid.</summary>
    public static T OrThrow<T>(this T? value, FieldViolations errors) where T : class
    {
        errors.ThrowIfAny();
        return value ?? throw new InvalidOperationException("a request reader returned nothing without recording why");
    }

    public static BadRequest Of(IEnumerable<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(violations);
        return badRequest;
    }
}
