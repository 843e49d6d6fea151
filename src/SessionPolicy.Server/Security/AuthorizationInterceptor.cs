using Grpc.Core;
using Grpc.Core.Interceptors;
using SessionPolicy.Server.Audit;

namespace SessionPolicy.Server.Security;

/// <summary>
/// Applies <see cref="CallerAuthorization"/> before every call; a known credential adds no await. With auditing
/// on, the caller is made the call's <see cref="AuditTrail.CurrentCaller"/>.
/// </summary>
internal sealed class AuthorizationInterceptor(CallerAuthorization authorization, AuditTrail audit) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var check = authorization.AuthorizeAsync(context);
        if (!check.IsCompletedSuccessfully) return AfterAsync(check, context, () => continuation(request, context));
        Audited(check.Result, context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var check = authorization.AuthorizeAsync(context);
        if (!check.IsCompletedSuccessfully) return AfterAsync(check, context, () => continuation(request, responseStream, context));
        Audited(check.Result, context);
        return continuation(request, responseStream, context);
    }

    private void Audited(Caller? caller, ServerCallContext context)
    {
        if (audit.Enabled) AuditTrail.CurrentCaller.Value = new AuditCaller(caller?.Name, context.GetHttpContext().Connection.RemoteIpAddress?.ToString());
    }

    private async Task<T> AfterAsync<T>(ValueTask<Caller?> check, ServerCallContext context, Func<Task<T>> call)
    {
        Audited(await check, context);
        return await call();
    }

    private async Task AfterAsync(ValueTask<Caller?> check, ServerCallContext context, Func<Task> call)
    {
        Audited(await check, context);
        await call();
    }
}
