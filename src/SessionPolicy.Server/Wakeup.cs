namespace SessionPolicy.Server;

/// <summary>
/// Wakes one waiting loop: any number of <see cref="Signal"/>s before it waits count as one, so a loop that was busy when
/// something happened wakes once, at once, and none is lost.
/// </summary>
internal sealed class Wakeup : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Signal()
    {
        if (_signal.CurrentCount != 0) return;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a signal, at most <paramref name="timeout"/>; true when signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>Waits for a signal until <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    public void Dispose() => _signal.Dispose();
}
