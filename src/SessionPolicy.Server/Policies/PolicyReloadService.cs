using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Policies;

/// <summary>
/// Reloads the policy file when it changes: on file-system notifications (the directory is watched, so
/// editors that replace the file and Kubernetes' symlink swaps are seen) and on a slow poll in case a
/// notification was missed.
/// </summary>
internal sealed class PolicyReloadService(PolicyStore store, IOptions<PolicyOptions> options, TimeProvider time) : BackgroundService
{
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
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // Let a save finish, then drain the burst of notifications it raised.
            var settle = options.Value.SettleDelay;
            if (settle > TimeSpan.Zero)
            {
                try { await Task.Delay(settle, time, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
            while (_signal.CurrentCount > 0) _signal.Wait(0);
            store.Reload();
        }
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
