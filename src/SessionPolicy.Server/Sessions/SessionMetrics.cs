using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Session and logout metrics (meter <c>SessionPolicy.Server</c>): active sessions, sessions found
/// exceeding the current policy, time from a limit being crossed to the session being ended, subscribers
/// connected, logout events emitted and delivered (and how long after they occurred), sessions ended by reason, long sessions started.
/// </summary>
internal sealed class SessionMetrics
{
    private readonly Counter<long> _events;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _deliveryLag;
    private readonly Histogram<double> _lag;
    private readonly Counter<long> _long;
    private readonly TimeSpan _longThreshold;
    private long _active;
    private long _exceeding;
    private int _subscribers;

    public SessionMetrics(IMeterFactory meters, Microsoft.Extensions.Options.IOptions<SessionLifecycleOptions> options)
    {
        _longThreshold = options.Value.LongSessionThreshold;
        var meter = meters.Create(DecisionMetrics.MeterName);
        _long = meter.CreateCounter<long>("sessionpolicy.sessions.long", unit: "{session}",
            description: "Sessions started (issued or registered) allowed longer than SessionPolicy:Sessions:LongSessionThreshold (default 4 h).");
        _events = meter.CreateCounter<long>("sessionpolicy.logout.events", unit: "{event}", description: "Logout events recorded, by reason.");
        _ended = meter.CreateCounter<long>("sessionpolicy.sessions.ended", unit: "{session}", description: "Sessions ended, by reason.");
        _deliveries = meter.CreateCounter<long>("sessionpolicy.logout.deliveries", unit: "{event}", description: "Logout events delivered to subscribers of this replica.");
        _deliveryLag = meter.CreateHistogram<double>("sessionpolicy.logout.delivery_lag", unit: "s",
            description: "Time from a logout event occurring to its delivery to a subscriber of this replica (replays after a resume included).", tags: null, advice: ServiceMeter.Seconds);
        _lag = meter.CreateHistogram<double>("sessionpolicy.sessions.termination_lag", unit: "s",
            description: "Time from a session's idle or absolute deadline to the sweeper ending it.", tags: null, advice: ServiceMeter.Seconds);
        meter.CreateObservableGauge("sessionpolicy.sessions.active", () => Volatile.Read(ref _active), unit: "{session}",
            description: "Sessions running (as of the last sweep).");
        meter.CreateObservableGauge("sessionpolicy.sessions.exceeding_policy", () => Volatile.Read(ref _exceeding), unit: "{session}",
            description: "Running sessions that exceeded the current policy when it was applied (each was cut or ended).");
        meter.CreateObservableGauge("sessionpolicy.logout.subscribers", () => Volatile.Read(ref _subscribers), unit: "{subscriber}",
            description: "SubscribeLogouts streams open on this replica.");
    }

    /// <summary>A session started: counted when it is long.</summary>
    public void Started(SessionRecord session)
    {
        if (session.IsLongerThan(_longThreshold)) _long.Add(1);
    }

    public void Ended(EndResult result)
    {
        if (result.Event is not { } e) return;
        var reason = new KeyValuePair<string, object?>("reason", Reason(e.Reason));
        _events.Add(1, reason);
        _ended.Add(result.Ended.Count, reason);
    }

    /// <summary>A sweep ended <paramref name="session"/> at <paramref name="at"/>, after its deadline.</summary>
    public void Expired(SessionRecord session, DateTimeOffset at) => _lag.Record(Math.Max(0, (at - session.Deadline).TotalSeconds));

    /// <summary>An event reached a subscriber, <paramref name="lag"/> after it occurred.</summary>
    public void Delivered(TimeSpan lag)
    {
        _deliveries.Add(1);
        if (_deliveryLag.Enabled) _deliveryLag.Record(Math.Max(0, lag.TotalSeconds));
    }

    public void Active(long count) => Volatile.Write(ref _active, count);

    public void ExceedingPolicy(long count) => Volatile.Write(ref _exceeding, count);

    public void Subscribers(int count) => Volatile.Write(ref _subscribers, count);

    private static string Reason(LogoutReason reason) => reason switch
    {
        LogoutReason.Admin => "admin",
        LogoutReason.IdleTimeout => "idle_timeout",
        LogoutReason.MaxDuration => "max_duration",
        LogoutReason.PolicyChanged => "policy_changed",
        LogoutReason.RiskSignal => "risk_signal",
        LogoutReason.PrincipalDisabled => "principal_disabled",
        _ => "unspecified",
    };
}
