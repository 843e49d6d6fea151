using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Reads the logout log as it grows and hands each event to every subscriber of this replica. The log is
/// the source of truth: the feed is woken when this replica appends, by the shared store's notification
/// when another one does, and by a periodic poll in case a notification was lost. On shutdown every
/// subscription ends, so clients reconnect elsewhere.
/// </summary>
internal sealed class LogoutFeed : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly ISessionStore _store;
    private readonly ILogger<LogoutFeed> _logger;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<LogoutSubscription, bool> _subscriptions = new();
    private readonly Wakeup _wake = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PeriodicTimer _keepalive;
    private readonly SessionMetrics _metrics;
    private readonly IHostApplicationLifetime _lifetime;
    private volatile bool _stopping;
    private string? _position;

    public LogoutFeed(ISessionStore store, IOptions<SessionLifecycleOptions> options, IHostApplicationLifetime lifetime, TimeProvider time,
        SessionMetrics metrics, ILogger<LogoutFeed> logger)
    {
        _store = store;
        _metrics = metrics;
        _logger = logger;
        _capacity = options.Value.SubscriberBuffer;
        // Created now, on the injected clock: every subscriber's keepalive comes from this one timer.
        _keepalive = new PeriodicTimer(options.Value.KeepaliveInterval, time);
        _lifetime = lifetime;
    }

    /// <summary>Wakes on every append from now on, and ends every subscription when the host begins to stop; then reads the log.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _store.Appended += Wake;
        _lifetime.ApplicationStopping.Register(StopAll);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Subscribers on this replica.</summary>
    public int Count => _subscriptions.Count;

    /// <summary>Completes once the feed knows where the log stands, so a new subscriber misses nothing appended after it subscribed.</summary>
    public Task Started => _started.Task;

    public LogoutSubscription Subscribe(IEnumerable<string> audiences, string principalId, string roleArn)
    {
        var subscription = new LogoutSubscription(audiences, principalId, roleArn, _capacity);
        _subscriptions[subscription] = true;
        _metrics.Subscribers(_subscriptions.Count);
        if (_stopping) subscription.End(new FeedStoppedException());
        return subscription;
    }

    public void Unsubscribe(LogoutSubscription subscription)
    {
        _subscriptions.TryRemove(subscription, out _);
        _metrics.Subscribers(_subscriptions.Count);
    }

    private void Wake() => _wake.Signal();

    private void StopAll()
    {
        _stopping = true;
        EndAll(new FeedStoppedException());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keepalives = KeepaliveAsync(stoppingToken);
        await ReadLogAsync(stoppingToken);
        await keepalives;
    }

    private async Task KeepaliveAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _keepalive.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var s in _subscriptions.Keys) s.Tick();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReadLogAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _position = await _store.LatestCursorAsync(stoppingToken);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.FeedReadFailed(_logger, e.GetType().Name);
                await Task.Delay(Poll, stoppingToken);
            }
        }
        _started.TrySetResult();
        var gap = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (gap)
                {
                    // Start again where the log stands now. Whoever subscribed since the gap was found started from a
                    // position this feed may not have read up to: told too, as those before were.
                    _position = await _store.LatestCursorAsync(stoppingToken);
                    gap = false;
                    EndAll(new FeedGapException());
                }
                await DispatchAsync(stoppingToken);
                // Real time, not the injected clock: this is a safety-net poll, not a deadline.
                await _wake.WaitAsync(Poll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (CursorOutOfRangeException)
            {
                // The log was trimmed past this replica's position, or lost (a restart without persistence): events
                // between may be gone. Every live subscriber is ended and told, never carried on past the gap; each
                // resumes from its cursor and learns from the log itself whether it still can.
                EndAll(new FeedGapException());
                gap = true;
            }
            catch (Exception e)
            {
                // Redis gone again, for instance: the feed keeps its place (or its gap) and tries again.
                Log.FeedReadFailed(_logger, e.GetType().Name);
                await Task.Delay(Poll, stoppingToken);
            }
        }
    }

    private void EndAll(Exception reason)
    {
        foreach (var s in _subscriptions.Keys) s.End(reason);
    }

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await _store.ReadAsync(_position, 500, cancellationToken);
            foreach (var record in page.Events)
            {
                foreach (var s in _subscriptions.Keys) s.Offer(record);
                _position = record.Cursor;
            }
            if (!page.More) return;
        }
    }

    public override void Dispose()
    {
        _store.Appended -= Wake;
        _wake.Dispose();
        _keepalive.Dispose();
        base.Dispose();
    }
}
