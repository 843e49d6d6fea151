using Grpc.Core;
using SessionPolicy.Server.Grpc;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The <c>sessionpolicy.v1.SessionPolicyService</c> contract as the server binds it. Decide is bound
/// with marshallers that keep the request bytes and can send cached reply bytes as they are, so a warm
/// decision is neither parsed nor serialized; on the wire every method is exactly the generated contract. Those
/// marshallers are for gRPC's own binding (<see cref="IFastPathBinder"/>); any other binder, JSON transcoding's, gets
/// Decide with the contract's message types.
/// </summary>
[BindServiceMethod(typeof(SessionPolicyBinding), nameof(BindService))]
internal abstract class SessionPolicyBinding
{
    private const string Service = "sessionpolicy.v1.SessionPolicyService";

    /// <summary>The contract's descriptor, which server reflection reads from the binding type.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => SessionPolicyService.Descriptor;

    /// <summary>Decide on gRPC's own binding, its request bytes kept and a cached reply sent as it is.</summary>
    [Binds("Decide")]
    public abstract Task<DecideReply> DecideBytes(DecideCall call, ServerCallContext context);

    /// <summary>Decide with the contract's own message types, for a binding other than gRPC's (JSON transcoding).</summary>
    public abstract Task<DecideResponse> Decide(DecideRequest request, ServerCallContext context);

    public abstract Task<DecideBatchResponse> DecideBatch(DecideBatchRequest request, ServerCallContext context);

    public abstract Task<GetPolicyInfoResponse> GetPolicyInfo(GetPolicyInfoRequest request, ServerCallContext context);

    public static void BindService(ServiceBinderBase binder, SessionPolicyBinding? service)
    {
        if (binder is IFastPathBinder)
        {
            binder.AddMethod(
                new Method<DecideCall, DecideReply>(MethodType.Unary, Service, "Decide", DecideCall.Marshaller, DecideReply.Marshaller),
                service is null ? null : service.DecideBytes);
        }
        else
        {
            binder.AddMethod(
                new Method<DecideRequest, DecideResponse>(MethodType.Unary, Service, "Decide",
                    ProtoMarshaller.For(DecideRequest.Parser), ProtoMarshaller.For(DecideResponse.Parser)),
                service is null ? null : service.Decide);
        }
        binder.AddMethod(
            new Method<DecideBatchRequest, DecideBatchResponse>(MethodType.Unary, Service, "DecideBatch",
                ProtoMarshaller.For(DecideBatchRequest.Parser), ProtoMarshaller.For(DecideBatchResponse.Parser)),
            service is null ? null : service.DecideBatch);
        binder.AddMethod(
            new Method<GetPolicyInfoRequest, GetPolicyInfoResponse>(MethodType.Unary, Service, "GetPolicyInfo",
                ProtoMarshaller.For(GetPolicyInfoRequest.Parser), ProtoMarshaller.For(GetPolicyInfoResponse.Parser)),
            service is null ? null : service.GetPolicyInfo);
    }
}
