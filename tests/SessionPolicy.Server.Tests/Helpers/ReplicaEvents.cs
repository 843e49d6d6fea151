using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Signals;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Tasks that complete when a replica has seen something happen: what shared-mode tests wait for instead of sleeping.</summary>
internal static class ReplicaEvents
{
    /// <summary>Completes when the replica has heard that <paramref name="principal"/>'s state changed (here or announced by another replica).</summary>
    public static Task Heard(PolicyServiceFactory f, string principal)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Services.GetRequiredService<PrincipalGenerations>().Changed += p =>
        {
            if (p == principal) tcs.TrySetResult();
        };
        return tcs.Task;
    }

    /// <summary>
    /// Completes when the replica's Redis connections have both come back: the one for commands and the one for
    /// subscriptions (they are restored one after the other, in either order; a decision made between the two can still
    /// be degraded).
    /// </summary>
    public static Task Restored(PolicyServiceFactory f)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new HashSet<StackExchange.Redis.ConnectionType>();
        f.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, e) =>
        {
            lock (back)
            {
                back.Add(e.ConnectionType);
                if (back.Contains(StackExchange.Redis.ConnectionType.Interactive) && back.Contains(StackExchange.Redis.ConnectionType.Subscription)) tcs.TrySetResult();
            }
        };
        return tcs.Task;
    }

    /// <summary>Completes when the replica's connection for commands (not its subscription connection) has come back.</summary>
    public static Task CommandsRestored(PolicyServiceFactory f)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == StackExchange.Redis.ConnectionType.Interactive) tcs.TrySetResult();
        };
        return tcs.Task;
    }
}
