using System.Reflection;

namespace SessionPolicy.Server.Hosting;

/// <summary>
/// The service's version, from the newest release tag and the commits since (MinVer), with the commit it was built
/// from after a '+': the same string in the binary, GetPolicyInfo, the telemetry resource and the image label.
/// </summary>
public static class ServiceVersion
{
    public static string Current { get; } =
        typeof(ServiceVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
