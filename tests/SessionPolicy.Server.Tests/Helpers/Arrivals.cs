namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>What a test receiver on loopback was sent, in order, and a way to wait until it holds what the test expects.</summary>
public sealed class Arrivals<T>
{
    private readonly List<T> _items = [];
    private readonly List<(Func<IReadOnlyList<T>, bool> Met, TaskCompletionSource Done)> _waiters = [];

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
            foreach (var w in _waiters.Where(w => w.Met(_items)).ToList())
            {
                w.Done.TrySetResult();
                _waiters.Remove(w);
            }
        }
    }

    /// <summary>Waits (30 s at most) until <paramref name="met"/> holds of what arrived; everything arrived so far.</summary>
    public async Task<List<T>> UntilAsync(Func<IReadOnlyList<T>, bool> met)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_items)
        {
            if (met(_items)) done.TrySetResult();
            else _waiters.Add((met, done));
        }
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return Snapshot();
    }

    public List<T> Snapshot()
    {
        lock (_items) return [.. _items];
    }
}
