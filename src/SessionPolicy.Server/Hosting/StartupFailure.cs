namespace SessionPolicy.Server.Hosting;

/// <summary>
/// Start-up cannot go on: a setting, or a file a setting names, is wrong. The message is the one line the
/// process prints before it exits with <see cref="ExitCode"/>: it names the setting or the file (with
/// line:column where there is one).
/// </summary>
internal class StartupFailure(string message, int exitCode = StartupFailure.Configuration, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Exit code for a bad setting or a file a setting names (keys, certificates).</summary>
    public const int Configuration = 2;

    /// <summary>Exit code for a policy file that is missing, unreadable or refused.</summary>
    public const int Policy = 3;

    /// <summary>Exit code for any other failure to start (a port in use, for instance).</summary>
    public const int Other = 1;

    public int ExitCode { get; } = exitCode;
}
