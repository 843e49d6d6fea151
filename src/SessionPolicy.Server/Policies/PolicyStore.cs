using Microsoft.Extensions.Options;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Policies;

/// <summary>
/// Holds the policy being served. A reload that fails to parse or validate is recorded and logged, and
/// the last good policy keeps serving; only a valid policy ever replaces the current one.
/// </summary>
internal sealed class PolicyStore : IStartupTask
{
    private readonly PolicyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyStore> _logger;
    private readonly Lock _reloadLock = new();
    private volatile PolicySnapshot? _current;
    private volatile RejectedPolicy? _lastRejected;

    public PolicyStore(IOptions<PolicyOptions> options, TimeProvider time, ILogger<PolicyStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Loads the configured policy (or the shipped default) at start; a missing or refused file stops start-up with every error.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Load();
        return Task.CompletedTask;
    }

    /// <summary>The first load: throws <see cref="PolicyLoadException"/> when there is nothing good to serve.</summary>
    public void Load()
    {
        var read = ReadFile();
        if (read.Bytes is not { } bytes) throw new PolicyLoadException(read.Source, new IOException(read.Failure));
        var result = Parse(bytes, CancellationToken.None);
        if (result.Policy is null) throw new PolicyLoadException(read.Source, [.. result.Errors]);
        _current = Snapshot(result, result.Policy, read.Source);
        Log.PolicyLoaded(_logger, read.Source, _current.Version, result.Policy.Profiles.Count, result.Policy.Guardrails.Count);
        LogWarnings(read.Source, result);
    }

    /// <summary>Raised after a new policy replaced the current one.</summary>
    public event Action<PolicySnapshot>? Changed;

    /// <summary>Raised after a policy file was refused; the current policy keeps serving.</summary>
    public event Action<RejectedPolicy>? Rejected;

    /// <summary>The policy being served.</summary>
    public PolicySnapshot Current => _current ?? throw new InvalidOperationException("the policy is loaded at start-up (PolicyStore.StartAsync); nothing is served before");

    /// <summary>The newest refused load, if it is newer than the policy being served.</summary>
    public RejectedPolicy? LastRejected => _lastRejected;

    /// <summary>The configured file, or null when the embedded default is served.</summary>
    public string? FilePath => string.IsNullOrEmpty(_options.Path) ? null : System.IO.Path.GetFullPath(_options.Path);

    /// <summary>
    /// Reads the policy file again and applies it (<see cref="Apply"/>). Returns true when the served policy changed.
    /// </summary>
    public bool Reload(CancellationToken cancellation = default) => Apply(ReadFile(), cancellation);

    /// <summary>
    /// Swaps in what was read when it is valid and differs from the current policy. A file that cannot be
    /// read (missing, a directory, too large, a dangling link) or that is refused becomes the last rejected
    /// load, shown by GetPolicyInfo, and the current policy keeps serving. Returns true when the served
    /// policy changed.
    /// </summary>
    public bool Apply(PolicyFileRead read, CancellationToken cancellation = default)
    {
        RejectedPolicy? rejected = null;
        lock (_reloadLock)
        {
            if (read.Version == Current.Version)
            {
                // The file is back to what is served: nothing newer was refused any more.
                _lastRejected = null;
                return false;
            }
            if (read.Version == _lastRejected?.Version) return false;

            var result = read.Bytes is { } bytes ? Parse(bytes, cancellation) : null;
            if (result?.Policy is null)
            {
                IReadOnlyList<PolicyProblem> errors = result is null ? [new PolicyProblem(ProblemSeverity.Error, 1, 1, "", $"cannot read: {read.Failure}")] : [.. result.Errors];
                rejected = new RejectedPolicy(read.Source, read.Version, _time.GetUtcNow(), errors);
                _lastRejected = rejected;
                foreach (var error in errors) Log.PolicyError(_logger, read.Source, error.Line, error.Column, error.Path, error.Message);
                Log.PolicyRejected(_logger, read.Source, read.Version, errors.Count, Current.Version);
            }
            else
            {
                _current = Snapshot(result, result.Policy, read.Source);
                _lastRejected = null;
                Log.PolicyLoaded(_logger, read.Source, read.Version, result.Policy.Profiles.Count, result.Policy.Guardrails.Count);
                LogWarnings(read.Source, result);
            }
        }
        if (rejected is not null)
        {
            Rejected?.Invoke(rejected);
            return false;
        }
        Changed?.Invoke(Current);
        return true;
    }

    /// <summary>Records a load refused before it was parsed (the file never held still); the current policy keeps serving.</summary>
    public void Refuse(PolicyFileRead read, string why)
    {
        var rejected = new RejectedPolicy(read.Source, "unstable:" + read.Version, _time.GetUtcNow(), [new PolicyProblem(ProblemSeverity.Error, 1, 1, "", why)]);
        lock (_reloadLock) _lastRejected = rejected;
        Log.PolicyError(_logger, read.Source, 1, 1, "", why);
        Log.PolicyRejected(_logger, read.Source, rejected.Version, 1, Current.Version);
        Rejected?.Invoke(rejected);
    }

    private static PolicyLoadResult Parse(byte[] bytes, CancellationToken cancellation) => PolicyParser.Parse(bytes, null, cancellation);

    private PolicySnapshot Snapshot(PolicyLoadResult result, PolicyDocument policy, string source) =>
        new(new PolicyEngine(policy, result.Version), source, _time.GetUtcNow(), [.. result.Warnings]);

    /// <summary>
    /// The policy file's bytes (the shipped default when no file is configured), or why they cannot be read.
    /// Never throws for what the file system holds: a missing file, a directory, a dangling link, a file that
    /// is too large or unreadable are each a failure with its reason.
    /// </summary>
    public PolicyFileRead ReadFile()
    {
        if (FilePath is not { } path) return new PolicyFileRead(DefaultPolicy.Source, DefaultPolicy.ReadBytes(), null);
        try
        {
            if (Directory.Exists(path)) return Failed(path, $"policy file {path} (set by {PolicyOptions.Section}:Path) is a directory");
            var info = new FileInfo(path);
            if (info.LinkTarget is { } target && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
            {
                return Failed(path, $"policy file {path} (set by {PolicyOptions.Section}:Path) is a link to {target}, which does not exist");
            }
            if (!info.Exists) return Failed(path, $"policy file {path} (set by {PolicyOptions.Section}:Path) does not exist");
            // Read to the end, at most one byte past the limit: the file may grow after it was measured.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[Math.Min(stream.Length, PolicyParser.MaxBytes) + 1];
            var length = 0;
            int read;
            while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
                if (length > PolicyParser.MaxBytes) return Failed(path, $"{path} is larger than {PolicyParser.MaxBytes} bytes");
                if (length == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, PolicyParser.MaxBytes + 1L));
            }
            return new PolicyFileRead(path, buffer[..length], null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, $"{path} cannot be read ({e.GetType().Name})");
        }
    }

    private static PolicyFileRead Failed(string path, string why) => new(path, null, why);

    private void LogWarnings(string source, PolicyLoadResult result)
    {
        foreach (var w in result.Warnings) Log.PolicyWarning(_logger, source, w.Line, w.Column, w.Path, w.Message);
    }
}
