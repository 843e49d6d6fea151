using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// One subscriber's view of the log: its audiences and filters, and a bounded buffer the feed fills
/// without ever waiting. A full buffer ends the subscription (<see cref="SubscriberOverflowException"/>)
/// instead of delaying anyone else. The feed also queues <see cref="Keepalive"/> at each keepalive tick
/// in which nothing was sent.
/// </summary>
internal sealed class LogoutSubscription
{
    /// <summary>Queued in place of an event when the stream should send a keepalive.</summary>
    public static readonly LogoutRecord Keepalive = new()
    {
        EventId = "", Reason = default, Actor = "", PrincipalId = "", RoleArn = "", OccurredAt = default, Detail = "", Sessions = [],
    };

    private volatile bool _sent;

    private readonly Channel<LogoutRecord> _buffer;
    private readonly int _capacity;
    private int _queued;
    private readonly HashSet<string> _audiences;
    private readonly string _principalId;
    private readonly string _roleArn;

    public LogoutSubscription(IEnumerable<string> audiences, string principalId, string roleArn, int capacity)
    {
        _audiences = new HashSet<string>(audiences, StringComparer.Ordinal);
        _principalId = principalId;
        _roleArn = roleArn;
        _capacity = capacity;
        // Unbounded with a count of our own: the single-reader unbounded channel takes no lock, and the
        // bound is still enforced (Offer) without ever making the feed wait.
        _buffer = System.Threading.Channels.Channel.CreateUnbounded<LogoutRecord>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }

    public ChannelReader<LogoutRecord> Reader => _buffer.Reader;

    /// <summary>Takes the next queued item, if any.</summary>
    public bool TryRead(out LogoutRecord record)
    {
        if (!_buffer.Reader.TryRead(out record!)) return false;
        Interlocked.Decrement(ref _queued);
        return true;
    }

    /// <summary>Queues an event for this subscriber if it concerns it; on overflow the subscription ends.</summary>
    public void Offer(LogoutRecord record)
    {
        if (!Concerns(record)) return;
        if (Interlocked.Increment(ref _queued) > _capacity) _buffer.Writer.TryComplete(new SubscriberOverflowException());
        else _buffer.Writer.TryWrite(record);
    }

    /// <summary>The stream sent an event; no keepalive is due at the next tick.</summary>
    public void MarkSent() => _sent = true;

    /// <summary>A keepalive tick: queue a keepalive unless something was sent since the last tick (or is waiting to be).</summary>
    public void Tick()
    {
        if (!_sent)
        {
            // A full buffer already tells the stream something is coming.
            if (Interlocked.Increment(ref _queued) <= _capacity) _buffer.Writer.TryWrite(Keepalive);
            else Interlocked.Decrement(ref _queued);
        }
        _sent = false;
    }

    /// <summary>Ends the subscription with <paramref name="reason"/>.</summary>
    public void End(Exception reason) => _buffer.Writer.TryComplete(reason);

    public bool Concerns(LogoutRecord record)
    {
        foreach (var s in record.Sessions) if (Concerns(s)) return true;
        return false;
    }

    /// <summary>The event as this subscriber may see it: only the sessions of its audiences (and filters); null when none.</summary>
    public LogoutEvent? Render(LogoutRecord record)
    {
        // Most subscribers hear of every session of an event: they share one rendering (never modified).
        if (_principalId.Length == 0 && _roleArn.Length == 0 && HearsAll(record))
        {
            return record.WholeView ??= View(record, record.Sessions);
        }
        var sessions = record.Sessions.Where(Concerns).ToList();
        return sessions.Count == 0 ? null : View(record, sessions);
    }

    private LogoutEvent View(LogoutRecord record, IReadOnlyList<EndedSession> sessions)
    {
        var e = new LogoutEvent
        {
            EventId = record.EventId,
            Cursor = record.Cursor,
            Reason = record.Reason,
            Actor = record.Actor,
            PrincipalId = record.PrincipalId.Length > 0 ? record.PrincipalId
                : sessions.All(s => s.PrincipalId == sessions[0].PrincipalId) ? sessions[0].PrincipalId : "",
            RoleArn = record.RoleArn,
            OccurredAt = Timestamp.FromDateTimeOffset(record.OccurredAt),
            Detail = record.Detail,
        };
        e.SessionIds.Add(sessions.Select(s => s.Id));
        e.Audiences.Add(sessions.SelectMany(s => s.Audiences).Where(_audiences.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return e;
    }

    private bool HearsAll(LogoutRecord record)
    {
        foreach (var s in record.Sessions)
        {
            foreach (var audience in s.Audiences) if (!_audiences.Contains(audience)) return false;
        }
        return true;
    }

    private bool Concerns(EndedSession s)
    {
        if (_principalId.Length > 0 && s.PrincipalId != _principalId) return false;
        if (_roleArn.Length > 0 && s.RoleArn != _roleArn) return false;
        foreach (var audience in s.Audiences) if (_audiences.Contains(audience)) return true;
        return false;
    }
}

/// <summary>The subscriber fell further behind than its buffer holds.</summary>
internal sealed class SubscriberOverflowException() : Exception("the subscriber fell behind by more events than its buffer holds");

/// <summary>The log was trimmed or lost past what the feed had read: what a live subscriber would have been sent next may be gone.</summary>
internal sealed class FeedGapException() : Exception("the logout log was trimmed or lost past what this replica had read");

/// <summary>The server is shutting down.</summary>
internal sealed class FeedStoppedException() : Exception("the server is shutting down");
