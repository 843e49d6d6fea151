using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SessionPolicy.Server.Security;

/// <summary>Applies <see cref="CallerAuthorization"/> before every call.</summary>
internal sealed class AuthorizationInterceptor(CallerAuthorization authorization) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        authorization.Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        authorization.Check(context);
        return continuation(request, responseStream, context);
    }
}
