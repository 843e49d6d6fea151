using Grpc.Core;
using Grpc.Core.Interceptors;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// Turns an unexpected exception into INTERNAL with a short message, logged with its stack trace here,
/// so a caller never sees UNKNOWN or internals.
/// </summary>
internal sealed class UnhandledExceptionInterceptor(ILogger<UnhandledExceptionInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            throw Internal(context, ex);
        }
        // Decisions complete synchronously; only a call still running needs an awaiting wrapper.
        return call.IsCompletedSuccessfully ? call : AwaitUnary(call, context);
    }

    private async Task<TResponse> AwaitUnary<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call;
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            throw Internal(context, ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (IsUnexpected(ex))
        {
            throw Internal(context, ex);
        }
    }

    private static bool IsUnexpected(Exception ex) => ex is not RpcException and not OperationCanceledException;

    private RpcException Internal(ServerCallContext context, Exception ex)
    {
        Log.UnhandledError(logger, context.Method, ex);
        return new RpcException(new Status(StatusCode.Internal, "internal error; the server log has the details"));
    }
}
