namespace SessionPolicy.Server.Telemetry;

/// <summary>The service's one meter, shared by every feature's metrics.</summary>
public static class ServiceMeter
{
    public const string Name = "SessionPolicy.Server";

    /// <summary>
    /// The buckets of every histogram in seconds (latencies, lags, times to terminate): from 5 ms to an hour, so the
    /// alert thresholds (seconds to minutes) fall on a boundary and quantiles are meaningful.
    /// </summary>
    public static readonly System.Diagnostics.Metrics.InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    };
}
