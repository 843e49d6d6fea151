using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>What the shared store promises about keeping what it acknowledged, as read from its own settings.</summary>
internal sealed record DurabilityState(bool Known, bool AppendOnly, int Replicas)
{
    public static readonly DurabilityState Unknown = new(false, false, 0);

    /// <summary>Whether an acknowledged write survives a restart (AOF) or the loss of the primary (a replica).</summary>
    public bool Durable => Known && (AppendOnly || Replicas > 0);

    public string Describe() => !Known
        ? "the store's persistence and replication could not be read"
        : Durable ? $"{(AppendOnly ? "AOF on" : "AOF off")}, {Replicas} replica(s)"
        : "no AOF and no replica: a restart of Redis loses every session, logout event and risk signal it acknowledged";
}

/// <summary>
/// Reads Redis's persistence and replication (INFO persistence, INFO replication of every primary) at start and
/// after each reconnect, and says when acknowledged logouts or revocations could be lost: a warning in the log,
/// the <c>sessionpolicy.redis.durable</c> gauge (1 durable, 0 not, -1 unknown; beside it <c>sessionpolicy.redis.up</c>, the connection) and the shared store's health
/// detail (degraded).
/// </summary>
internal sealed class RedisDurability : IStartupTask
{
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisDurability> _logger;
    private volatile DurabilityState _state = DurabilityState.Unknown;

    public RedisDurability(RedisConnection redis, IMeterFactory meters, ILogger<RedisDurability> logger)
    {
        _redis = redis;
        _logger = logger;
        meters.Create(DecisionMetrics.MeterName).CreateObservableGauge("sessionpolicy.redis.durable", () => _state switch
        {
            { Known: false } => -1,
            { Durable: true } => 1,
            _ => 0,
        }, unit: "1", description: "Whether Redis keeps what it acknowledged across a restart or failover: 1 AOF or a replica, 0 neither, -1 not known.");
        meters.Create(DecisionMetrics.MeterName).CreateObservableGauge("sessionpolicy.redis.up", () => redis.IsConnected ? 1 : 0, unit: "1",
            description: "1 while this replica is connected to the shared store (Redis), 0 while it is not.");
    }

    public DurabilityState State => _state;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.Restored += () => _ = ReadAsync();
        await ReadAsync();
    }

    /// <summary>Reads the settings again; never throws (an unreachable store leaves the state unknown).</summary>
    public async Task ReadAsync()
    {
        var state = await RedisFailures.BestEffortAsync(_logger, "read the store's persistence settings", ReadPrimariesAsync, DurabilityState.Unknown);
        _state = state;
        if (state.Known && !state.Durable) Log.StoreNotDurable(_logger, state.Describe());
    }

    /// <summary>The weakest connected primary's state (what a caller's write may land on), unknown when none is connected.</summary>
    private async Task<DurabilityState> ReadPrimariesAsync()
    {
        var primaries = _redis.Multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        if (primaries.Count == 0) return DurabilityState.Unknown;
        var each = new List<DurabilityState>();
        foreach (var server in primaries)
        {
            // INFO through a script: the client refuses INFO itself outside its admin mode, which the service does not enable.
            var text = (string?)await server.ExecuteAsync("EVAL", "return redis.call('INFO','persistence') .. '\\n' .. redis.call('INFO','replication')", 0)
                .WaitAsync(TimeSpan.FromSeconds(2)) ?? "";
            var values = text.Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
            each.Add(new DurabilityState(true, values.GetValueOrDefault("aof_enabled") == "1",
                int.TryParse(values.GetValueOrDefault("connected_slaves"), out var n) ? n : 0));
        }
        return each.OrderBy(s => s.Durable).ThenBy(s => s.Replicas).First();
    }
}
