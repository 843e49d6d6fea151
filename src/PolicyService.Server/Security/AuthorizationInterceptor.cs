using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SessionPolicy.Server.Security;

/// <summary>Applies <see cref="CallerAuthorization"/> before every call; a known token adds no await.</summary>
internal sealed class AuthorizationInterceptor(CallerAuthorization authorization) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var slow = authorization.Check(context);
        return slow is null ? continuation(request, context) : AfterAsync(slow, () => continuation(request, context));
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var slow = authorization.Check(context);
        return slow is null ? continuation(request, responseStream, context) : AfterAsync(slow, () => continuation(request, responseStream, context));
    }

    private static async Task<T> AfterAsync<T>(Task check, Func<Task<T>> call)
    {
        await check;
        return await call();
    }

    private static async Task AfterAsync(Task check, Func<Task> call)
    {
        await check;
        await call();
    }
}
