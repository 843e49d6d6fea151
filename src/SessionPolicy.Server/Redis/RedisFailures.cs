using Grpc.Core;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>Calls that must be recorded in the shared store fail with UNAVAILABLE when it is down, rather than claim what did not happen.</summary>
internal static class SharedStore
{
    public static async Task<T> Guard<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the shared store (Redis) is unavailable: could not {what}; nothing was changed, retry"));
        }
    }
}
