using System.Diagnostics.Metrics;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Receiver metrics (meter <c>SessionPolicy.Server</c>): attempts at delivering a token by receiver and outcome, and the
/// time from a session ending to its receiver taking the token.
/// </summary>
internal sealed class ReceiverMetrics
{
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _latency;

    public ReceiverMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(DecisionMetrics.MeterName);
        _attempts = meter.CreateCounter<long>("sessionpolicy.receiver.deliveries", unit: "{token}",
            description: "Attempts at delivering a logout token to a receiver, by receiver and outcome (delivered, failing, failed).");
        _latency = meter.CreateHistogram<double>("sessionpolicy.receiver.delivery_latency", unit: "s",
            description: "Time from a session ending to its receiver taking the token, by receiver.", tags: null, advice: ServiceMeter.Seconds);
    }

    public void Attempted(string receiver, DeliveryOutcome outcome) =>
        _attempts.Add(1, new("receiver", receiver), new("outcome", outcome.ToString().ToLowerInvariant()));

    public void Taken(string receiver, TimeSpan sinceEnding) => _latency.Record(Math.Max(0, sinceEnding.TotalSeconds), new KeyValuePair<string, object?>("receiver", receiver));
}
