using System.Net;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Delivers every ended session to each push receiver (configured, registered through the API, or a Shared Signals push
/// stream) whose audiences it concerns, in log order, from the receiver's own cursor: a receiver that was down gets what
/// it missed when it is back, as long as the log retains it. One replica at a time delivers to a receiver (a lease in
/// the shared store; another replica takes over when the holder stops renewing it). A transient failure (no answer, 408,
/// 429, 5xx, anything but the answers below) is retried with exponential backoff and jitter, honouring
/// <c>Retry-After</c>; 400 is a permanent failure of that token, recorded with the receiver's error code, and the events
/// after it go on. The cursor moves past an event once each of its deliveries is done, so a crash repeats at most that
/// event's, with the same <c>jti</c>. Receivers registered on any replica are picked up within
/// <see cref="ReceiverOptions.RefreshInterval"/> (at once on the replica that registered them); a paused stream holds its
/// events, a disabled one lets them go by.
/// </summary>
internal sealed class ReceiverDeliveries(
    IOptions<ReceiverOptions> options, IReceiverRegistry registry, ISessionStore store, IReceiverCursors cursors, ReceiverHttp http, ReceiverMessages messages,
    ReceiverMetrics metrics, Audit.AuditTrail audit, TimeProvider time, ILogger<ReceiverDeliveries> logger) : BackgroundService
{
    private const int Page = 100;

    /// <summary>Most verification SETs waiting for one receiver.</summary>
    public const int MaxControl = 10;

    private readonly ReceiverOptions _options = options.Value;
    private TimeSpan Lease => _options.Lease;
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Wakeup _changed = new();

    /// <summary>A receiver being delivered to: its settings as last read (they may change under it), and its loop.</summary>
    private sealed class Running(Receiver receiver, CancellationTokenSource stop)
    {
        public volatile Receiver Current = receiver;
        public CancellationTokenSource Stop { get; } = stop;
        public Task Loop { get; set; } = Task.CompletedTask;
    }

    /// <summary>Before the service serves: a configured receiver without a cursor gets one at the log's end, so it hears of every ending from now on.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var receiver in _options.List.Where(r => r.IsPush))
        {
            try
            {
                if (await cursors.GetAsync(receiver.Name) is null && await cursors.HoldAsync(receiver.Name, _holder, Lease))
                {
                    await CursorAsync(receiver.Name, cancellationToken);
                }
            }
            catch (SharedStoreUnavailableException e)
            {
                // The delivery loop does it once the store answers.
                Log.ReceiverStoreFailed(logger, receiver.Name, e.Cause);
            }
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Stops delivering and gives up the leases, so another replica carries on without waiting for them to lapse.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var name in _running.Keys.ToList()) await ReleaseAsync(name);
    }

    /// <summary>
    /// Forgets what this replica's loop may have written for a receiver after it was removed elsewhere (the remover forgets
    /// it too; a loop between its last read and its stop can write a cursor or a lease again).
    /// </summary>
    private async Task ForgetAsync(string name)
    {
        try
        {
            await cursors.ForgetAsync(name);
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.ReceiverStoreFailed(logger, name, e.Cause);
        }
    }

    private async Task ReleaseAsync(string name)
    {
        try
        {
            await cursors.ReleaseAsync(name, _holder);
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.ReceiverStoreFailed(logger, name, e.Cause);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged() => _changed.Signal();
        registry.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RefreshAsync(stoppingToken);
                await _changed.WaitAsync(_options.RefreshInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            registry.Changed -= OnChanged;
            foreach (var run in _running.Values) run.Stop.Cancel();
            await Task.WhenAll(_running.Values.Select(r => r.Loop));
        }
    }

    /// <summary>Starts a loop for each push receiver there is now, hands changed settings to running ones, and stops those removed.</summary>
    private async Task RefreshAsync(CancellationToken stopping)
    {
        IReadOnlyList<Receiver> registered;
        var listed = true;
        try
        {
            registered = await registry.ListAsync();
        }
        catch (SharedStoreUnavailableException e)
        {
            // Keep delivering to those known; the next refresh reads again.
            Log.ReceiverStoreFailed(logger, "(registered receivers)", e.Cause);
            registered = [.. _running.Values.Select(r => r.Current).Where(r => r.Source != Receiver.Configured)];
            listed = false;
        }
        var now = _options.List.Select(s => new Receiver(s, Receiver.Configured)).Concat(registered).Where(r => r.Settings.IsPush)
            .GroupBy(r => r.Name, StringComparer.Ordinal).Select(g => g.First()).ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var (name, run) in _running.ToList())
        {
            if (now.TryGetValue(name, out var current) && current.Settings.Kind == run.Current.Settings.Kind)
            {
                run.Current = current;
                continue;
            }
            run.Stop.Cancel();
            await run.Loop;
            _running.Remove(name);
            await ReleaseAsync(name);
            if (!now.ContainsKey(name) && listed) await ForgetAsync(name);
        }
        foreach (var (name, receiver) in now)
        {
            if (_running.ContainsKey(name)) continue;
            var run = new Running(receiver, CancellationTokenSource.CreateLinkedTokenSource(stopping));
            run.Loop = Task.Run(() => RunAsync(run, run.Stop.Token), CancellationToken.None);
            _running[name] = run;
        }
    }

    private async Task RunAsync(Running run, CancellationToken stopping)
    {
        var name = run.Current.Name;
        using var appended = new Wakeup();
        void OnAppended() => appended.Signal();
        store.Appended += OnAppended;
        var faults = 0;
        var holding = new Holding();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    if (run.Current is { Enabled: false, Dropping: false })
                    {
                        // Paused: the events wait in the log, the cursor where it is.
                        await appended.WaitAsync(TimeSpan.FromSeconds(1), stopping);
                        continue;
                    }
                    if (!await RenewAsync(name, holding))
                    {
                        await Task.Delay(Lease / 3, time, stopping);
                        continue;
                    }
                    var busy = run.Current.Stream is not null && await DeliverControlAsync(run.Current);
                    if (!await DeliverPageAsync(run, holding, stopping) && !busy) await appended.WaitAsync(TimeSpan.FromSeconds(1), stopping);
                    faults = 0;
                }
                catch (SharedStoreUnavailableException e)
                {
                    Log.ReceiverStoreFailed(logger, name, e.Cause);
                    holding.Lost();
                    await Task.Delay(Backoff(faults++, null), time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            store.Appended -= OnAppended;
        }
    }

    /// <summary>
    /// What a replica knows while it holds a receiver's lease: the cursor (read once per holding, then kept, as no other
    /// replica moves it meanwhile) and when the lease was last renewed (Redis's clock counts the lease, so real time).
    /// </summary>
    private sealed class Holding
    {
        public string? Cursor { get; set; }

        public long RenewedAt { get; set; }

        public bool Held { get; set; }

        public void Lost() => (Held, Cursor) = (false, null);
    }

    /// <summary>Renews the lease when a third of it has passed (at once when not held); false while another replica holds it.</summary>
    private async Task<bool> RenewAsync(string name, Holding holding)
    {
        if (holding.Held && System.Diagnostics.Stopwatch.GetElapsedTime(holding.RenewedAt) < Lease / 3) return true;
        var renewedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!await cursors.HoldAsync(name, _holder, Lease))
        {
            holding.Lost();
            return false;
        }
        if (!holding.Held) holding.Cursor = null;
        (holding.Held, holding.RenewedAt) = (true, renewedAt);
        return true;
    }

    /// <summary>Moves the cursor in the store and in <paramref name="holding"/>; false (the holding lost) when another replica holds the lease now.</summary>
    private async Task<bool> MoveAsync(string name, Holding holding, string cursor)
    {
        if (!await cursors.SetAsync(name, _holder, cursor))
        {
            holding.Lost();
            return false;
        }
        holding.Cursor = cursor;
        return true;
    }

    /// <summary>
    /// The receiver's cursor, to a holder of its lease; a receiver without one gets the log's end (it hears of what ends
    /// from now on). Null when another replica holds the lease now.
    /// </summary>
    private async Task<string?> CursorAsync(string name, CancellationToken cancellationToken)
    {
        if (await cursors.GetAsync(name) is { } cursor) return cursor;
        cursor = await store.LatestCursorAsync(cancellationToken) ?? "";
        return await cursors.SetAsync(name, _holder, cursor) ? cursor : null;
    }

    /// <summary>Pushes the SETs waiting that are not from the log (stream verifications); true when some were tried.</summary>
    private async Task<bool> DeliverControlAsync(Receiver receiver)
    {
        var waiting = await cursors.ControlAsync(receiver.Name);
        if (waiting.Count == 0) return false;
        var done = new List<string>();
        foreach (var (jti, set) in waiting)
        {
            var push = await PushAsync(receiver, ReceiverMessages.SetContent(set));
            if (push.Outcome == DeliveryOutcome.Failing)
            {
                // Tried again on the next round; the log's events do not wait for it.
                await CountAsync(receiver.Name, DeliveryOutcome.Failing, $"verification {jti} not taken: {push.Detail}");
                continue;
            }
            done.Add(jti);
            await CountAsync(receiver.Name, push.Outcome, $"verification {jti} refused for good: HTTP 400, err {push.Detail}");
        }
        await cursors.DropControlAsync(receiver.Name, done);
        return true;
    }

    /// <summary>What came of one push: taken, refused for good (400, with the receiver's error code), or failing (why, and its Retry-After).</summary>
    private readonly record struct Push(DeliveryOutcome Outcome, string Detail, TimeSpan? RetryAfter);

    /// <summary>
    /// POSTs <paramref name="content"/> to the receiver with its authorization header and says what the answer means. Not
    /// cancelled by a stop: a push under way ends within RequestTimeout, and its outcome is recorded, so the replica taking
    /// over does not send it again.
    /// </summary>
    private async Task<Push> PushAsync(Receiver receiver, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Settings.Url) { Content = content };
        if (receiver.Settings.AuthorizationHeader.Length > 0) request.Headers.TryAddWithoutValidation("Authorization", receiver.Settings.AuthorizationHeader);
        var answer = await http.SendAsync(request, CancellationToken.None);
        return answer.Status switch
        {
            { } taken when ReceiverMessages.Taken(receiver.Settings, taken) => new Push(DeliveryOutcome.Delivered, "", null),
            HttpStatusCode.BadRequest => new Push(DeliveryOutcome.Failed, ReceiverMessages.RefusalCode(receiver.Settings, answer.Body), null),
            { } status => new Push(DeliveryOutcome.Failing, $"HTTP {(int)status}", answer.RetryAfter),
            null => new Push(DeliveryOutcome.Failing, $"{answer.Failure}: {answer.Why}", answer.RetryAfter),
        };
    }

    /// <summary>Delivers the events after the receiver's cursor, one page; false when there were none.</summary>
    private async Task<bool> DeliverPageAsync(Running run, Holding holding, CancellationToken stopping)
    {
        var name = run.Current.Name;
        if ((holding.Cursor ??= await CursorAsync(name, stopping)) is not { } cursor)
        {
            holding.Lost();
            return true;
        }
        LogPage page;
        try
        {
            page = await store.ReadAsync(cursor.Length == 0 ? null : cursor, Page, stopping);
        }
        catch (CursorOutOfRangeException e)
        {
            // Events it missed are gone from the log (trimmed, or a log that was lost): say so once, and go on from the
            // oldest event kept (an empty cursor reads from there).
            Log.ReceiverMissedEvents(logger, name, e.Message);
            await MoveAsync(name, holding, "");
            return true;
        }
        var before = cursor;
        foreach (var e in page.Events)
        {
            var receiver = run.Current;
            if (!receiver.Enabled && !receiver.Dropping) return true;
            if (!receiver.Dropping)
            {
                foreach (var d in ReceiverMessages.Deliveries(e, receiver))
                {
                    if (!await DeliverAsync(run, e, before, d, stopping))
                    {
                        holding.Lost();
                        return true;
                    }
                }
            }
            if (!await MoveAsync(name, holding, e.Cursor)) return true;
            before = e.Cursor;
        }
        return page.Events.Count > 0;
    }

    /// <summary>
    /// Delivers one token until the receiver takes it or refuses it for good, or the log no longer holds its event (read
    /// from <paramref name="before"/>, the cursor before it), or the receiver is removed; false when this replica lost the
    /// lease meanwhile.
    /// </summary>
    private async Task<bool> DeliverAsync(Running run, LogoutRecord e, string before, ReceiverDelivery d, CancellationToken stopping)
    {
        var name = run.Current.Name;
        var jti = ReceiverMessages.Jti(name, e.EventId, d);
        for (var attempt = 0; ; attempt++)
        {
            // Read at each attempt: a receiver whose URL or header changed is tried at the new one.
            var receiver = run.Current;
            var push = await PushAsync(receiver, messages.Content(receiver, e, d, jti));
            if (push.Outcome == DeliveryOutcome.Delivered)
            {
                Log.ReceiverDelivered(logger, name, e.EventId, d.AudienceKey, attempt + 1);
                metrics.Taken(name, time.GetUtcNow() - e.OccurredAt);
                await CountAsync(name, DeliveryOutcome.Delivered, "");
                return true;
            }
            if (push.Outcome == DeliveryOutcome.Failed)
            {
                Log.ReceiverRefusedToken(logger, name, e.EventId, d.AudienceKey, push.Detail);
                var why = $"event {e.EventId} for {d.AudienceKey} refused for good: HTTP 400, error {push.Detail}";
                await CountAsync(name, DeliveryOutcome.Failed, why);
                audit.DeliveryFailed(name, e.EventId, d.Subject, why);
                return true;
            }
            await CountAsync(name, DeliveryOutcome.Failing, $"event {e.EventId} for {d.AudienceKey} not taken: {push.Detail}");
            var wait = Backoff(attempt, push.RetryAfter);
            Log.ReceiverRetrying(logger, name, e.EventId, d.AudienceKey, push.Detail, wait.TotalMilliseconds);
            await Task.Delay(wait, time, stopping);
            if (!await cursors.HoldAsync(name, _holder, Lease)) return false;
            if (!await RetainedAsync(before, stopping))
            {
                Log.ReceiverMissedEvents(logger, name, $"event {e.EventId} left the log while it was being retried");
                var lost = $"event {e.EventId} for {d.AudienceKey} given up: it left the log while being retried";
                await CountAsync(name, DeliveryOutcome.Failed, lost);
                audit.DeliveryFailed(name, e.EventId, d.Subject, lost);
                return true;
            }
        }
    }

    /// <summary>Counts an outcome; a store fault loses the count, never the delivery.</summary>
    private async Task CountAsync(string name, DeliveryOutcome outcome, string error)
    {
        metrics.Attempted(name, outcome);
        try
        {
            await cursors.RecordAsync(name, outcome, error, time.GetUtcNow());
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.ReceiverStoreFailed(logger, name, e.Cause);
        }
    }

    /// <summary>Whether the log still holds the event after <paramref name="before"/>.</summary>
    private async Task<bool> RetainedAsync(string before, CancellationToken stopping)
    {
        if (before.Length == 0) return true;
        try
        {
            await store.ReadAsync(before, 1, stopping);
            return true;
        }
        catch (CursorOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: the receiver's <c>Retry-After</c>, else doubling from the minimum, with jitter; within the bounds.</summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var min = _options.MinBackoff.TotalMilliseconds;
        var max = _options.MaxBackoff.TotalMilliseconds;
        var ms = retryAfter is { } r ? r.TotalMilliseconds : min * Math.Pow(2, Math.Min(attempt, 30)) * (0.5 + Random.Shared.NextDouble() / 2);
        return TimeSpan.FromMilliseconds(Math.Clamp(ms, min, max));
    }
}
