using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Policies;

/// <summary>Where the policy comes from (section <c>SessionPolicy:Policy</c>).</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Policy";

    /// <summary>Path of the policy YAML file; empty serves the shipped default policy.</summary>
    public string Path { get; set; } = "";

    /// <summary>Reload the file when it changes.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>How often to check the file in case a change notification was missed (0 disables polling).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "SessionPolicy:Policy:PollInterval must be between 00:00:00 and 01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a changed file must hold still before it is applied: it is read, read again this long after, and
    /// applied only when both reads agree, so a file written in steps closer than this is never served half-written.
    /// Writing the file elsewhere and renaming it into place (what Kubernetes does with a ConfigMap) is never seen half-written.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "SessionPolicy:Policy:SettleDelay must be between 00:00:00 and 00:01:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(2);
}
