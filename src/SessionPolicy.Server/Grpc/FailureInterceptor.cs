using Grpc.Core;
using Grpc.Core.Interceptors;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// The edge of every call: a <see cref="ServiceFailure"/> from below becomes its status (<see cref="StatusMapping"/>),
/// and anything unexpected becomes INTERNAL with a short message, logged with its stack trace here, so a
/// caller never sees UNKNOWN or internals.
/// </summary>
internal sealed class FailureInterceptor(ILogger<FailureInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw Map(context, ex);
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
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw Map(context, ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw Map(context, ex);
        }
    }

    private RpcException Map(ServerCallContext context, Exception ex)
    {
        if (ex is ServiceFailure failure && failure.Kind != FailureKind.Internal) return StatusMapping.ToRpcException(failure);
        Log.UnhandledError(logger, context.Method, ex);
        return new RpcException(new Status(StatusCode.Internal, ex is ServiceFailure ? ex.Message : "internal error; the server log has the details"));
    }
}
