using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The one place a Redis fault becomes the service's answer: every Redis operation runs through
/// <see cref="RunAsync{T}"/>, which turns the client's exceptions (connection, timeout, server errors) into
/// <see cref="SharedStoreUnavailableException"/>. Calls that record something answer UNAVAILABLE with it;
/// the decision path catches it and decides locally (degraded). A command the client refuses to send
/// (<see cref="RedisCommandException"/>, e.g. keys of one call in different cluster slots) is a bug of the key
/// layout, which the tests on a cluster catch; in production it fails closed the same way, and its type name is
/// what the log shows as the cause.
/// </summary>
internal static class RedisFailures
{
    public static async Task<T> RunAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
        {
            throw new SharedStoreUnavailableException(operation, e);
        }
    }

    /// <summary>A Redis call whose failure is not the caller's: the fault is logged and <paramref name="fallback"/> answered.</summary>
    public static async Task<T> BestEffortAsync<T>(ILogger logger, string operation, Func<Task<T>> call, T fallback)
    {
        try
        {
            return await RunAsync(operation, call);
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.SharedStoreFailed(logger, e.Operation, e.Cause);
            return fallback;
        }
    }

    public static Task RunAsync(string operation, Func<Task> call) => RunAsync(operation, async () =>
    {
        await call();
        return true;
    });
}
