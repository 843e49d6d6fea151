using Microsoft.Extensions.Options;
using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Makes a <c>ForceLogout</c> or a <c>ReportSignal</c> that answers success mean its writes survive the loss of the
/// primary, where <c>SessionPolicy:Redis:WaitForReplicas</c> asks for it: after the writes, Redis <c>WAIT</c> for that
/// many replicas within <c>WaitTimeout</c>; fewer is UNAVAILABLE (the writes stay on the primary, and a retry is safe:
/// it waits again).
/// </summary>
/// <remarks>
/// <c>WAIT</c> blocks the connection it is sent on, so it never runs on the shared one (every decision would wait
/// behind it): this class keeps a connection of its own. <c>WAIT</c> counts only the writes of its own connection, so
/// it first writes a marker key on the node of the caller's writes (same hash tag). Replicas apply the primary's
/// stream in order: once they hold the marker, they hold every write the primary acknowledged before it, the
/// caller's included. Calls that wait share the connection and so wait one after another; they are operators'
/// and detectors' calls, not the decision path. <c>WAITAOF</c> (Redis 7.2) is not used.
/// </remarks>
internal sealed class RedisReplicaWait : IDisposable
{
    private static readonly TimeSpan MarkerLifetime = TimeSpan.FromMinutes(1);

    private readonly int _replicas;
    private readonly TimeSpan _timeout;
    private readonly ConnectionMultiplexer? _connection;
    private readonly ILogger<RedisReplicaWait> _logger;

    public RedisReplicaWait(IOptions<RedisOptions> options, ILogger<RedisReplicaWait> logger)
    {
        var settings = options.Value;
        _replicas = settings.WaitForReplicas;
        _timeout = settings.WaitTimeout;
        _logger = logger;
        if (_replicas > 0 && settings.IsConfigured) _connection = RedisConnection.Connect(settings, _timeout + settings.OperationTimeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Returns once the configured number of replicas hold every write the primary of <paramref name="marker"/>'s
    /// node acknowledged so far; at once when none is asked for. Throws UNAVAILABLE when fewer confirm in time.
    /// </summary>
    public async Task ConfirmAsync(RedisKey marker, string what)
    {
        if (_connection is null) return;
        var confirmed = await RedisFailures.RunAsync($"confirm {what} with the replicas", async () =>
        {
            // The marker must be written by the node the WAIT then runs on. The client sends a key to any node when it
            // does not know the slot's owner (after a failover, say) and follows the MOVED answer; not here: the MOVED
            // is an error, which teaches the client the owner, and RunAsync makes the call again, there.
            var primary = _connection.GetServer(marker, flags: CommandFlags.DemandMaster);
            await primary.ExecuteAsync("SET", [marker, "1", "PX", (long)MarkerLifetime.TotalMilliseconds], CommandFlags.NoRedirect);
            return (long)await primary.ExecuteAsync("WAIT", [_replicas, (long)_timeout.TotalMilliseconds], CommandFlags.NoRedirect);
        });
        if (confirmed >= _replicas) return;
        Log.ReplicasBehind(_logger, what, confirmed, _replicas);
        throw ServiceFailure.Unavailable(
            $"{what} is recorded, but {confirmed} of the {_replicas} replicas required confirmed it within {_timeout.TotalMilliseconds:0} ms, " +
            "so it may not survive a failover; retrying is safe", TimeSpan.FromSeconds(1));
    }

    /// <summary>Whether calls wait for replicas at all.</summary>
    public bool Enabled => _connection is not null;

    /// <summary>
    /// <see cref="ConfirmAsync"/> on the node of each of <paramref name="markers"/>, once per node (on a single Redis,
    /// once): for writes spread over a cluster's nodes.
    /// </summary>
    public async Task ConfirmEachNodeAsync(IEnumerable<RedisKey> markers, string what)
    {
        if (_connection is null) return;
        var connection = _connection;
        var oneEach = await RedisFailures.RunAsync($"find the nodes holding {what}", () =>
            Task.FromResult(markers.DistinctBy(m => connection.GetServer(m, flags: CommandFlags.DemandMaster).EndPoint.ToString()).ToList()));
        foreach (var marker in oneEach)
        {
            await ConfirmAsync(marker, what);
        }
    }

    public void Dispose() => _connection?.Dispose();
}
