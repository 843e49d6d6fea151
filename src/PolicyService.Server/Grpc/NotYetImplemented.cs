using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>UNIMPLEMENTED for RPCs that are part of the contract but not served by this release.</summary>
internal static class NotYetImplemented
{
    public static RpcException For(string rpc, string what) =>
        new(new Status(StatusCode.Unimplemented, $"{rpc} is not implemented in this release: {what} is planned but not yet served."));
}
