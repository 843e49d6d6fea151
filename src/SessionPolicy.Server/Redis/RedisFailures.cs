using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The one place a Redis fault becomes the service's answer: every Redis operation runs through
/// <see cref="RunAsync{T}"/>, which turns the client's exceptions (connection, timeout, server errors) into
/// <see cref="SharedStoreUnavailableException"/>. Calls that record something answer UNAVAILABLE with it;
/// the decision path catches it and decides locally (degraded).
/// </summary>
internal static class RedisFailures
{
    public static async Task<T> RunAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new SharedStoreUnavailableException(operation, e);
        }
    }

    public static Task RunAsync(string operation, Func<Task> call) => RunAsync(operation, async () =>
    {
        await call();
        return true;
    });
}
