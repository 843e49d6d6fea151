namespace SessionPolicy.Server.Tests.Telemetry;

/// <summary>
/// Meters and activity sources are process-wide: an exporter in one test would see every other test
/// host's spans and counts. Tests that read telemetry run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}
