namespace SessionPolicy.Server.Telemetry;

/// <summary>The service's one meter, shared by every feature's metrics.</summary>
public static class ServiceMeter
{
    public const string Name = "SessionPolicy.Server";
}
