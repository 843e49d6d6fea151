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
/// <remarks>
/// On a Redis Cluster a slot being moved answers a multi-key command whose keys are split between the two nodes
/// with <c>TRYAGAIN</c> until the move is done: the command did not run, so the call is made again, a few
/// milliseconds apart, for as long as <c>retryFor</c> allows (<see cref="TryAgainFor"/> unless told: a decision's
/// lookup passes its own budget). <c>MOVED</c> and <c>ASK</c> are followed by the client; a call that told it not to
/// (<c>NoRedirect</c>) gets them as errors and is made again the same way, the client having learnt where the slot is.
/// The pauses are real time: they wait for a real Redis.
/// </remarks>
internal static class RedisFailures
{
    /// <summary>How long a call that records something is made again while Redis answers <c>TRYAGAIN</c>.</summary>
    internal static readonly TimeSpan TryAgainFor = TimeSpan.FromSeconds(2);

    public static async Task<T> RunAsync<T>(string operation, Func<Task<T>> call, TimeSpan? retryFor = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var pause = TimeSpan.FromMilliseconds(Math.Min(2 * attempt, 50));
            try
            {
                return await call();
            }
            catch (RedisServerException e) when ((HasCode(e, "TRYAGAIN") || IsRedirect(e)) && System.Diagnostics.Stopwatch.GetElapsedTime(started) + pause < (retryFor ?? TryAgainFor))
            {
                await Task.Delay(pause);
            }
            catch (Exception e) when (e is RedisException or RedisCommandException or TimeoutException)
            {
                throw new SharedStoreUnavailableException(operation, e);
            }
        }
    }

    /// <summary>Whether Redis answered with the error <paramref name="code"/>, which it puts first; the rest of the message is never read.</summary>
    public static bool HasCode(RedisServerException e, string code) => e.Message.StartsWith(code, StringComparison.Ordinal);

    // Redis answers "MOVED slot host:port" (or ASK); the client words its refusal to follow one as "Key has MOVED to ...".
    private static bool IsRedirect(RedisServerException e) =>
        HasCode(e, "MOVED") || HasCode(e, "ASK") || e.Message.Contains(" MOVED ", StringComparison.Ordinal) || e.Message.Contains(" ASK ", StringComparison.Ordinal);

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
