using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Delivers every ended session to each configured receiver whose audiences it concerns, in log order, from the
/// receiver's own cursor: a receiver that was down gets what it missed when it is back, as long as the log retains
/// it. One replica at a time delivers to a receiver (a lease in the shared store; another replica takes over when the
/// holder stops renewing it). A transient failure (no answer, 408, 429, 5xx, anything but the answers below) is
/// retried with exponential backoff and jitter, honouring <c>Retry-After</c>; 400 is a permanent failure of that token,
/// logged with the receiver's <c>error</c> code, and the events after it go on. The cursor moves past an event once
/// each of its deliveries is done, so a crash repeats at most that event's, with the same <c>jti</c>.
/// </summary>
internal sealed class ReceiverDeliveries(
    IOptions<ReceiverOptions> options, ISessionStore store, IReceiverCursors cursors, ReceiverHttp http, LogoutTokens tokens,
    ReceiverMetrics metrics, TimeProvider time, ILogger<ReceiverDeliveries> logger) : BackgroundService
{
    private const int Page = 100;

    private readonly ReceiverOptions _options = options.Value;
    private TimeSpan Lease => _options.Lease;
    private readonly string _holder = Guid.NewGuid().ToString("N");

    /// <summary>Before the service serves: a receiver without a cursor gets one at the log's end, so it hears of every ending from now on.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var receiver in _options.List)
        {
            try
            {
                if (await cursors.GetAsync(receiver.Name) is null && await cursors.HoldAsync(receiver.Name, _holder, Lease))
                {
                    await CursorAsync(receiver, cancellationToken);
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
        foreach (var receiver in _options.List)
        {
            try
            {
                await cursors.ReleaseAsync(receiver.Name, _holder);
            }
            catch (SharedStoreUnavailableException e)
            {
                Log.ReceiverStoreFailed(logger, receiver.Name, e.Cause);
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_options.List.Select(r => Task.Run(() => RunAsync(r, stoppingToken), stoppingToken)));

    private async Task RunAsync(ReceiverSettings receiver, CancellationToken stopping)
    {
        using var appended = new SemaphoreSlim(0, 1);
        void OnAppended()
        {
            if (appended.CurrentCount == 0) try { appended.Release(); } catch (SemaphoreFullException) { }
        }
        store.Appended += OnAppended;
        var faults = 0;
        var holding = new Holding();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    if (!await RenewAsync(receiver, holding))
                    {
                        await Task.Delay(Lease / 3, time, stopping);
                        continue;
                    }
                    if (!await DeliverPageAsync(receiver, holding, stopping)) await appended.WaitAsync(TimeSpan.FromSeconds(1), stopping);
                    faults = 0;
                }
                catch (SharedStoreUnavailableException e)
                {
                    Log.ReceiverStoreFailed(logger, receiver.Name, e.Cause);
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
    private async Task<bool> RenewAsync(ReceiverSettings receiver, Holding holding)
    {
        if (holding.Held && System.Diagnostics.Stopwatch.GetElapsedTime(holding.RenewedAt) < Lease / 3) return true;
        var renewedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!await cursors.HoldAsync(receiver.Name, _holder, Lease))
        {
            holding.Lost();
            return false;
        }
        if (!holding.Held) holding.Cursor = null;
        (holding.Held, holding.RenewedAt) = (true, renewedAt);
        return true;
    }

    /// <summary>Moves the cursor in the store and in <paramref name="holding"/>; false (the holding lost) when another replica holds the lease now.</summary>
    private async Task<bool> MoveAsync(ReceiverSettings receiver, Holding holding, string cursor)
    {
        if (!await cursors.SetAsync(receiver.Name, _holder, cursor))
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
    private async Task<string?> CursorAsync(ReceiverSettings receiver, CancellationToken cancellationToken)
    {
        if (await cursors.GetAsync(receiver.Name) is { } cursor) return cursor;
        cursor = await store.LatestCursorAsync(cancellationToken) ?? "";
        return await cursors.SetAsync(receiver.Name, _holder, cursor) ? cursor : null;
    }

    /// <summary>Delivers the events after the receiver's cursor, one page; false when there were none.</summary>
    private async Task<bool> DeliverPageAsync(ReceiverSettings receiver, Holding holding, CancellationToken stopping)
    {
        if ((holding.Cursor ??= await CursorAsync(receiver, stopping)) is not { } cursor)
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
            Log.ReceiverMissedEvents(logger, receiver.Name, e.Message);
            await MoveAsync(receiver, holding, "");
            return true;
        }
        var before = cursor;
        foreach (var e in page.Events)
        {
            foreach (var (clientId, subject, sid) in Deliveries(e, receiver))
            {
                if (!await DeliverAsync(receiver, e, before, clientId, subject, sid, stopping))
                {
                    holding.Lost();
                    return true;
                }
            }
            if (!await MoveAsync(receiver, holding, e.Cursor)) return true;
            before = e.Cursor;
        }
        return page.Events.Count > 0;
    }

    /// <summary>
    /// The tokens an event makes for a receiver: per client id, one per session minted elsewhere (its id as <c>sid</c>, with
    /// <c>sub</c>), and one per principal for the others (<c>sub</c> alone: the service's own ids mean nothing to the relying party).
    /// </summary>
    private static IEnumerable<(string ClientId, string Subject, string? Sid)> Deliveries(LogoutRecord e, ReceiverSettings receiver) =>
        e.Sessions.Where(s => receiver.Principals.Length == 0 || receiver.Principals.Contains(s.PrincipalId, StringComparer.Ordinal))
            .SelectMany(s => s.Audiences.Intersect(receiver.Audiences, StringComparer.Ordinal).Select(a => (a, s.PrincipalId, s.IsExternal ? s.Id : null))).Distinct();

    /// <summary>
    /// Delivers one token until the receiver takes it or refuses it for good, or the log no longer holds its event (read
    /// from <paramref name="before"/>, the cursor before it); false when this replica lost the lease meanwhile.
    /// </summary>
    private async Task<bool> DeliverAsync(ReceiverSettings receiver, LogoutRecord e, string before, string clientId, string subject, string? sid, CancellationToken stopping)
    {
        var jti = Jti(receiver.Name, e.EventId, clientId, subject + "\n" + sid);
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url)
            {
                Content = new FormUrlEncodedContent([new("logout_token", tokens.Render(clientId, sid, subject, jti))]),
            };
            if (receiver.AuthorizationHeader.Length > 0) request.Headers.TryAddWithoutValidation("Authorization", receiver.AuthorizationHeader);
            // Not cancelled by a stop: a delivery under way ends within RequestTimeout and its cursor moves, so the replica
            // taking over does not send it again.
            var answer = await http.SendAsync(request, CancellationToken.None);
            if (answer.Status is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.NoContent)
            {
                Log.ReceiverDelivered(logger, receiver.Name, e.EventId, clientId, attempt + 1);
                metrics.Taken(receiver.Name, time.GetUtcNow() - e.OccurredAt);
                await CountAsync(receiver, DeliveryOutcome.Delivered, "");
                return true;
            }
            if (answer.Status is System.Net.HttpStatusCode.BadRequest)
            {
                var code = ErrorCode(answer.Body);
                Log.ReceiverRefusedToken(logger, receiver.Name, e.EventId, clientId, code);
                await CountAsync(receiver, DeliveryOutcome.Failed, $"event {e.EventId} for {clientId} refused for good: HTTP 400, error {code}");
                return true;
            }
            var why = answer.Status is { } status ? $"HTTP {(int)status}" : $"{answer.Failure}: {answer.Why}";
            await CountAsync(receiver, DeliveryOutcome.Failing, $"event {e.EventId} for {clientId} not taken: {why}");
            var wait = Backoff(attempt, answer.RetryAfter);
            Log.ReceiverRetrying(logger, receiver.Name, e.EventId, clientId, why, wait.TotalMilliseconds);
            await Task.Delay(wait, time, stopping);
            if (!await cursors.HoldAsync(receiver.Name, _holder, Lease)) return false;
            if (!await RetainedAsync(before, stopping))
            {
                Log.ReceiverMissedEvents(logger, receiver.Name, $"event {e.EventId} left the log while it was being retried");
                await CountAsync(receiver, DeliveryOutcome.Failed, $"event {e.EventId} for {clientId} given up: it left the log while being retried");
                return true;
            }
        }
    }

    /// <summary>Counts an outcome; a store fault loses the count, never the delivery.</summary>
    private async Task CountAsync(ReceiverSettings receiver, DeliveryOutcome outcome, string error)
    {
        metrics.Attempted(receiver.Name, outcome);
        try
        {
            await cursors.RecordAsync(receiver.Name, outcome, error, time.GetUtcNow());
        }
        catch (SharedStoreUnavailableException e)
        {
            Log.ReceiverStoreFailed(logger, receiver.Name, e.Cause);
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

    /// <summary>The same for every attempt at one delivery, different for every other.</summary>
    private static string Jti(string receiver, string eventId, string clientId, string subject) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', receiver, eventId, clientId, subject))))[..32];

    /// <summary>The receiver's <c>error</c> code from a 400 body (RFC 6749 style), if it is one: never its free text.</summary>
    private static string ErrorCode(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                && error.GetString() is { Length: > 0 and <= 64 } code && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return code;
            }
        }
        catch (JsonException)
        {
        }
        return "(no error code)";
    }
}
