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
        string source;
        byte[] bytes;
        try
        {
            (source, bytes) = Read();
        }
        catch (IOException e)
        {
            throw new PolicyLoadException(FilePath ?? DefaultPolicy.Source, e);
        }
        var result = PolicyParser.Parse(bytes);
        if (result.Policy is null) throw new PolicyLoadException(source, [.. result.Errors]);
        _current = Snapshot(result, result.Policy, source);
        Log.PolicyLoaded(_logger, source, _current.Version, result.Policy.Profiles.Count, result.Policy.Guardrails.Count);
        LogWarnings(source, result);
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
    /// Reads the policy file again; swaps it in when it is valid and differs from the current one.
    /// Returns true when the served policy changed.
    /// </summary>
    public bool Reload()
    {
        RejectedPolicy? rejected = null;
        lock (_reloadLock)
        {
            string source;
            byte[] bytes;
            try
            {
                (source, bytes) = Read();
            }
            catch (IOException ex)
            {
                // A file mid-replacement can be briefly missing; the next notification or poll retries.
                Log.PolicyUnreadable(_logger, FilePath ?? "", ex.Message);
                return false;
            }
            var version = PolicyParser.ComputeVersion(bytes);
            if (version == Current.Version)
            {
                // The file is back to what is served: nothing newer was refused any more.
                _lastRejected = null;
                return false;
            }
            if (version == _lastRejected?.Version) return false;

            var result = PolicyParser.Parse(bytes);
            if (result.Policy is null)
            {
                rejected = new RejectedPolicy(source, version, _time.GetUtcNow(), [.. result.Errors]);
                _lastRejected = rejected;
                foreach (var error in result.Errors) Log.PolicyError(_logger, source, error.Line, error.Column, error.Path, error.Message);
                Log.PolicyRejected(_logger, source, version, result.Errors.Count(), Current.Version);
            }
            else
            {
                _current = Snapshot(result, result.Policy, source);
                _lastRejected = null;
                Log.PolicyLoaded(_logger, source, version, result.Policy.Profiles.Count, result.Policy.Guardrails.Count);
                LogWarnings(source, result);
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

    private PolicySnapshot Snapshot(PolicyLoadResult result, PolicyDocument policy, string source) =>
        new(new PolicyEngine(policy, result.Version), source, _time.GetUtcNow(), [.. result.Warnings]);

    private (string Source, byte[] Bytes) Read()
    {
        if (FilePath is not { } path) return (DefaultPolicy.Source, DefaultPolicy.ReadBytes());
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"policy file {path} (set by {PolicyOptions.Section}:Path) does not exist", path);
        }
        if (info.Length > PolicyParser.MaxBytes)
        {
            throw new IOException($"{path} is larger than {PolicyParser.MaxBytes} bytes");
        }
        return (path, File.ReadAllBytes(path));
    }

    private void LogWarnings(string source, PolicyLoadResult result)
    {
        foreach (var w in result.Warnings) Log.PolicyWarning(_logger, source, w.Line, w.Column, w.Path, w.Message);
    }
}
