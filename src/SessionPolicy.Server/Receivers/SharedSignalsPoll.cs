using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Poll delivery (RFC 8936) from a receiver's cursor in the log: each poll records the acknowledgements (<c>ack</c>) and
/// errors (<c>setErrs</c>, a permanent failure of that SET) the receiver sends, moves the cursor past the events whose
/// every SET is settled, and offers the next unsettled SETs, up to <c>maxEvents</c>, verification SETs first. A SET
/// offered and not settled is offered again. Nothing is queued per receiver: what is offered is read from the log at each
/// poll, within a window of <see cref="Window"/> SETs past the cursor, and only acknowledgements of SETs in that window are
/// kept, so a receiver away for long costs its cursor and no more.
/// </summary>
internal sealed class SharedSignalsPoll(
    ISessionStore store, IReceiverCursors cursors, ReceiverMessages messages, ReceiverMetrics metrics, Audit.AuditTrail audit, TimeProvider time, ILogger<SharedSignalsPoll> logger)
{
    /// <summary>Most SETs past the cursor a poll considers.</summary>
    public const int Window = 1000;

    private const int Page = 100;

    /// <summary>What a receiver sent: SETs to offer at most, whether to wait for some, and what it settled.</summary>
    public sealed record Request(int MaxEvents, bool ReturnImmediately, IReadOnlyList<string> Ack, IReadOnlyDictionary<string, string> Errors);

    /// <summary>The SETs offered (by jti, in order) and whether more wait.</summary>
    public sealed record Answer(IReadOnlyList<(string Jti, string Set)> Sets, bool MoreAvailable);

    private sealed record Candidate(string Jti, LogoutRecord? Event, ReceiverDelivery? Delivery, string? Set);

    private sealed record WindowEvent(LogoutRecord Event, IReadOnlyList<Candidate> Candidates);

    public async Task<Answer> PollAsync(Receiver receiver, Request request, TimeSpan wait, CancellationToken cancellationToken)
    {
        var name = receiver.Name;
        using var appended = new Wakeup();
        void OnAppended() => appended.Signal();
        store.Appended += OnAppended;
        try
        {
            var settled = false;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(request.ReturnImmediately || request.MaxEvents == 0 ? TimeSpan.Zero : wait);
            while (true)
            {
                var (control, start, window, truncated) = await ReadWindowAsync(receiver, cancellationToken);
                if (!settled)
                {
                    await SettleAsync(receiver, request, control, window);
                    settled = true;
                }
                var acked = await cursors.AcknowledgedAsync(name);
                var rest = await AdvanceAsync(name, start, window, acked);
                var open = receiver.Enabled
                    ? control.Where(c => !acked.Contains(c.Jti)).Concat(rest.SelectMany(w => w.Candidates).Where(c => !acked.Contains(c.Jti))).ToList()
                    : [];
                if (open.Count > 0 || deadline.IsCancellationRequested)
                {
                    var offered = open.Take(request.MaxEvents).Select(c => (c.Jti, c.Set ?? messages.Set(receiver, c.Event!, c.Delivery!, c.Jti))).ToList();
                    Log.ReceiverPolled(logger, name, offered.Count, request.Ack.Count, request.Errors.Count);
                    return new Answer(offered, open.Count > offered.Count || truncated);
                }
                try
                {
                    await appended.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }
        }
        finally
        {
            store.Appended -= OnAppended;
        }
    }

    /// <summary>The verification SETs waiting, then the events past the cursor with this receiver's SETs of each, up to the window.</summary>
    private async Task<(List<Candidate> Control, string Start, List<WindowEvent> Window, bool Truncated)> ReadWindowAsync(Receiver receiver, CancellationToken cancellationToken)
    {
        var control = (await cursors.ControlAsync(receiver.Name)).Select(c => new Candidate(c.Jti, null, null, c.Set)).ToList();
        var cursor = await CursorAsync(receiver.Name, cancellationToken);
        var start = cursor;
        var window = new List<WindowEvent>();
        var count = 0;
        while (count < Window)
        {
            LogPage page;
            try
            {
                page = await store.ReadAsync(cursor.Length == 0 ? null : cursor, Page, cancellationToken);
            }
            catch (CursorOutOfRangeException e)
            {
                Log.ReceiverMissedEvents(logger, receiver.Name, e.Message);
                await cursors.SwapAsync(receiver.Name, cursor, "", []);
                (cursor, start) = ("", "");
                window.Clear();
                count = 0;
                continue;
            }
            foreach (var e in page.Events)
            {
                var candidates = receiver.Dropping ? [] : ReceiverMessages.Deliveries(e, receiver).Select(d => new Candidate(ReceiverMessages.Jti(receiver.Name, e.EventId, d), e, d, null)).ToList();
                window.Add(new WindowEvent(e, candidates));
                count += Math.Max(1, candidates.Count);
                if (count >= Window) return (control, start, window, true);
            }
            if (page.Events.Count < Page) break;
            cursor = page.Events[^1].Cursor;
        }
        return (control, start, window, false);
    }

    /// <summary>The receiver's cursor; one without any starts at the log's end.</summary>
    private async Task<string> CursorAsync(string name, CancellationToken cancellationToken)
    {
        if (await cursors.GetAsync(name) is { } cursor) return cursor;
        var latest = await store.LatestCursorAsync(cancellationToken) ?? "";
        return await cursors.SwapAsync(name, null, latest, []) ? latest : await cursors.GetAsync(name) ?? "";
    }

    /// <summary>Records what the receiver settled among the SETs it could have been offered (anything else is ignored: it was never sent).</summary>
    private async Task SettleAsync(Receiver receiver, Request request, List<Candidate> control, List<WindowEvent> window)
    {
        var known = control.Select(c => c.Jti).Concat(window.SelectMany(w => w.Candidates).Select(c => c.Jti)).ToHashSet(StringComparer.Ordinal);
        var taken = request.Ack.Where(known.Contains).Distinct(StringComparer.Ordinal).ToList();
        var refused = request.Errors.Where(e => known.Contains(e.Key) && !taken.Contains(e.Key)).ToList();
        if (taken.Count + refused.Count == 0) return;
        await cursors.AcknowledgeAsync(receiver.Name, [.. taken, .. refused.Select(e => e.Key)]);
        var controlJtis = control.Select(c => c.Jti).ToHashSet(StringComparer.Ordinal);
        await cursors.DropControlAsync(receiver.Name, [.. taken.Concat(refused.Select(e => e.Key)).Where(controlJtis.Contains)]);
        var now = time.GetUtcNow();
        var candidates = window.SelectMany(w => w.Candidates).ToDictionary(c => c.Jti, StringComparer.Ordinal);
        foreach (var jti in taken)
        {
            metrics.Attempted(receiver.Name, DeliveryOutcome.Delivered);
            if (candidates.TryGetValue(jti, out var c)) metrics.Taken(receiver.Name, now - c.Event!.OccurredAt);
        }
        if (taken.Count > 0) await cursors.RecordAsync(receiver.Name, DeliveryOutcome.Delivered, "", now, taken.Count);
        foreach (var (jti, err) in refused)
        {
            metrics.Attempted(receiver.Name, DeliveryOutcome.Failed);
            var why = $"SET {jti} reported in error: err {err}";
            await cursors.RecordAsync(receiver.Name, DeliveryOutcome.Failed, why, now);
            var refusedOne = candidates.GetValueOrDefault(jti);
            audit.DeliveryFailed(receiver.Name, refusedOne?.Event?.EventId ?? "", refusedOne?.Delivery?.Subject ?? "", why);
        }
    }

    /// <summary>Moves the cursor past the leading events whose SETs are all settled; the events left.</summary>
    private async Task<List<WindowEvent>> AdvanceAsync(string name, string from, List<WindowEvent> window, IReadOnlySet<string> acked)
    {
        var done = window.TakeWhile(w => w.Candidates.All(c => acked.Contains(c.Jti))).ToList();
        if (done.Count == 0) return window;
        var passed = done.SelectMany(w => w.Candidates).Select(c => c.Jti).ToList();
        // Another poll moving it first is no harm: the next poll reads from where it is.
        await cursors.SwapAsync(name, from, done[^1].Event.Cursor, passed);
        return window.Skip(done.Count).ToList();
    }
}
