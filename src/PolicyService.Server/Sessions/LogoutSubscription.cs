using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// One subscriber's view of the log: its audiences and filters, and a bounded buffer the feed fills
/// without ever waiting. A full buffer ends the subscription (<see cref="SubscriberOverflowException"/>)
/// instead of delaying anyone else.
/// </summary>
internal sealed class LogoutSubscription
{
    private readonly Channel<LogoutRecord> _buffer;
    private readonly HashSet<string> _audiences;
    private readonly string _principalId;
    private readonly string _roleArn;

    public LogoutSubscription(IEnumerable<string> audiences, string principalId, string roleArn, int capacity)
    {
        _audiences = new HashSet<string>(audiences, StringComparer.Ordinal);
        _principalId = principalId;
        _roleArn = roleArn;
        _buffer = System.Threading.Channels.Channel.CreateBounded<LogoutRecord>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
    }

    public ChannelReader<LogoutRecord> Reader => _buffer.Reader;

    /// <summary>Queues an event for this subscriber if it concerns it; on overflow the subscription ends.</summary>
    public void Offer(LogoutRecord record)
    {
        if (!Concerns(record)) return;
        if (!_buffer.Writer.TryWrite(record)) _buffer.Writer.TryComplete(new SubscriberOverflowException());
    }

    /// <summary>Ends the subscription with <paramref name="reason"/>.</summary>
    public void End(Exception reason) => _buffer.Writer.TryComplete(reason);

    public bool Concerns(LogoutRecord record) => record.Sessions.Any(Concerns);

    /// <summary>The event as this subscriber may see it: only the sessions of its audiences (and filters); null when none.</summary>
    public LogoutEvent? Render(LogoutRecord record)
    {
        var sessions = record.Sessions.Where(Concerns).ToList();
        if (sessions.Count == 0) return null;
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

    private bool Concerns(EndedSession s) =>
        s.Audiences.Any(_audiences.Contains)
        && (_principalId.Length == 0 || s.PrincipalId == _principalId)
        && (_roleArn.Length == 0 || s.RoleArn == _roleArn);
}

/// <summary>The subscriber fell further behind than its buffer holds.</summary>
internal sealed class SubscriberOverflowException() : Exception("the subscriber fell behind by more events than its buffer holds");

/// <summary>The server is shutting down.</summary>
internal sealed class FeedStoppedException() : Exception("the server is shutting down");
