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

    /// <summary>
    /// The one line to print for a failure to start, and the exit code, when it is one the operator can fix:
    /// this type, a setting that does not validate (<see cref="Microsoft.Extensions.Options.OptionsValidationException"/>),
    /// or a setting that does not convert to its type. Anything else is unexpected and keeps its stack trace.
    /// </summary>
    public static (string Message, int ExitCode)? Describe(Exception e) => e switch
    {
        StartupFailure failure => (failure.Message, failure.ExitCode),
        Microsoft.Extensions.Options.OptionsValidationException invalid => (string.Join("; ", invalid.Failures), Configuration),
        InvalidOperationException { Message: var m } when m.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => (m, Configuration),
        AggregateException { InnerExceptions: [var only] } => Describe(only),
        AggregateException all when all.InnerExceptions.Select(Describe).ToList() is var each && each.All(d => d is not null) =>
            (string.Join("; ", each.Select(d => d!.Value.Message)), each.Max(d => d!.Value.ExitCode)),
        _ => null,
    };
}

