using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Policies;

/// <summary>
/// Reloads the policy file when it changes: on file-system notifications (the directory is watched, so
/// editors that replace the file and Kubernetes' symlink swaps are seen) and on a slow poll in case a
/// notification was missed. A file is applied only once it holds still: read, then read again a settle
/// interval later, and applied only when both reads saw the same bytes. Parsing runs off this loop, within
/// the policy's time budget.
/// </summary>
internal sealed class PolicyReloadService(PolicyStore store, IOptions<PolicyOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>How many settle intervals a file may keep changing before the load is refused.</summary>
    public const int MaxUnsettledReads = 10;

    private readonly SemaphoreSlim _signal = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.FilePath is not { } path || !options.Value.Watch) return;

        using var watcher = CreateWatcher(path);
        var poll = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (poll > TimeSpan.Zero)
                {
                    using var timeout = new CancellationTokenSource(poll, time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
                    await WaitQuietly(_signal.WaitAsync(linked.Token));
                }
                else
                {
                    await _signal.WaitAsync(stoppingToken);
                }
                while (_signal.CurrentCount > 0) _signal.Wait(0);
                var read = await ReadWhenStableAsync(store.ReadFile, store.Current.Version, options.Value.SettleDelay, time, stoppingToken);
                if (read.Stable) await Task.Run(() => store.Apply(read.File, stoppingToken), stoppingToken);
                else store.Refuse(read.File, $"the file kept changing for {MaxUnsettledReads} settle intervals of {options.Value.SettleDelay.TotalSeconds:0.###}s; "
                    + "it is loaded once it holds still (write it elsewhere and rename it into place)");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads the file until two reads <paramref name="settle"/> apart see the same bytes (or the same failure):
    /// a file written in steps is never read half-written as long as the steps are closer than the settle
    /// interval. A file whose bytes are what is served already needs no second read.
    /// </summary>
    public static async Task<(PolicyFileRead File, bool Stable)> ReadWhenStableAsync(
        Func<PolicyFileRead> read, string servedVersion, TimeSpan settle, TimeProvider time, CancellationToken cancellation)
    {
        var last = read();
        if (last.Version == servedVersion || settle <= TimeSpan.Zero) return (last, true);
        for (var i = 0; i < MaxUnsettledReads; i++)
        {
            await Task.Delay(settle, time, cancellation);
            var next = read();
            if (next.SameAs(last)) return (next, true);
            last = next;
        }
        return (last, false);
    }

    private static async Task WaitQuietly(Task wait)
    {
        try { await wait; }
        catch (OperationCanceledException) { }
    }

    private FileSystemWatcher? CreateWatcher(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path);
        if (directory is null || !Directory.Exists(directory)) return null;
        var watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, EnableRaisingEvents = false };
        watcher.Changed += (_, _) => _signal.Release();
        watcher.Created += (_, _) => _signal.Release();
        watcher.Renamed += (_, _) => _signal.Release();
        watcher.Deleted += (_, _) => _signal.Release();
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
