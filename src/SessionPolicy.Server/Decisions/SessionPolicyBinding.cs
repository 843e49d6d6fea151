using Grpc.Core;
using SessionPolicy.Server.Grpc;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The <c>sessionpolicy.v1.SessionPolicyService</c> contract as the server binds it. Decide is bound
/// with marshallers that keep the request bytes and can send cached reply bytes as they are, so a warm
/// decision is neither parsed nor serialized; on the wire every method is exactly the generated contract.
/// </summary>
[BindServiceMethod(typeof(SessionPolicyBinding), nameof(BindService))]
internal abstract class SessionPolicyBinding
{
    private const string Service = "sessionpolicy.v1.SessionPolicyService";

    /// <summary>The contract's descriptor, which server reflection reads from the binding type.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => SessionPolicyService.Descriptor;

    public abstract Task<DecideReply> Decide(DecideCall call, ServerCallContext context);

    public abstract Task<DecideBatchResponse> DecideBatch(DecideBatchRequest request, ServerCallContext context);

    public abstract Task<GetPolicyInfoResponse> GetPolicyInfo(GetPolicyInfoRequest request, ServerCallContext context);

    public static void BindService(ServiceBinderBase binder, SessionPolicyBinding? service)
    {
        binder.AddMethod(
            new Method<DecideCall, DecideReply>(MethodType.Unary, Service, "Decide", DecideCall.Marshaller, DecideReply.Marshaller),
            service is null ? null : service.Decide);
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
