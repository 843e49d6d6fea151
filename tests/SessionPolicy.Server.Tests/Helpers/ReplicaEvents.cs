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

    /// <summary>Completes when the replica's Redis connection has come back.</summary>
    public static Task Restored(PolicyServiceFactory f)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Services.GetRequiredService<RedisConnection>().Restored += () => tcs.TrySetResult();
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
