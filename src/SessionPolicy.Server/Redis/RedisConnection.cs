using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// The one shared connection to Redis. It never fails start-up: with Redis down the service starts in
/// degraded mode and the connection keeps retrying in the background.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        var settings = options.Value;
        _multiplexer = Connect(settings, settings.OperationTimeout);
        _multiplexer.ConnectionRestored += (_, _) => Restored?.Invoke();
        OperationTimeout = settings.OperationTimeout;
    }

    /// <summary>A connection to the configured store whose operations may each take <paramref name="budget"/>; it never fails to start.</summary>
    internal static ConnectionMultiplexer Connect(RedisOptions settings, TimeSpan budget)
    {
        var config = ConfigurationOptions.Parse(settings.Configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        config.AsyncTimeout = Math.Max(1, (int)budget.TotalMilliseconds);
        config.SyncTimeout = config.AsyncTimeout;
        config.ConnectRetry = 1;
        config.ReconnectRetryPolicy = new LinearRetry(250);
        return ConnectionMultiplexer.Connect(config);
    }

    /// <summary>Raised when a lost connection is back.</summary>
    public event Action? Restored;

    /// <summary>The budget of one operation on a decision's path.</summary>
    public TimeSpan OperationTimeout { get; }

    /// <summary>Whether the connection is up now; false skips Redis without waiting.</summary>
    public bool IsConnected => _multiplexer.IsConnected;

    public IDatabase Database => _multiplexer.GetDatabase();

    /// <summary>The multiplexer itself, for Redis client spans.</summary>
    public IConnectionMultiplexer Multiplexer => _multiplexer;

    public ISubscriber Subscriber => _multiplexer.GetSubscriber();

    public void Dispose() => _multiplexer.Dispose();
}
