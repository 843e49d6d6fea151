namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Where each receiver stands in the logout log, and which replica delivers to it: in this process (embedded) or in Redis
/// (shared, so the cursor survives restarts and moves between replicas, and one replica at a time holds the lease).
/// </summary>
internal interface IReceiverCursors
{
    /// <summary>The cursor after the last event delivered (or given up on) for <paramref name="receiver"/>; null before its first.</summary>
    Task<string?> GetAsync(string receiver);

    /// <summary>Moves the cursor, if <paramref name="holder"/> still holds the lease; false when it does not (another replica took over).</summary>
    Task<bool> SetAsync(string receiver, string holder, string cursor);

    /// <summary>Takes or renews the lease on <paramref name="receiver"/> for <paramref name="lease"/>; false while another holder has it.</summary>
    Task<bool> HoldAsync(string receiver, string holder, TimeSpan lease);

    /// <summary>Gives up the lease if <paramref name="holder"/> has it, so another replica takes over at once.</summary>
    Task ReleaseAsync(string receiver, string holder);
}

/// <summary>The embedded cursors: one process, so it always holds every lease.</summary>
internal sealed class InMemoryReceiverCursors : IReceiverCursors
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _cursors = new(StringComparer.Ordinal);

    public Task<string?> GetAsync(string receiver) => Task.FromResult(_cursors.TryGetValue(receiver, out var c) ? c : null);

    public Task<bool> SetAsync(string receiver, string holder, string cursor)
    {
        _cursors[receiver] = cursor;
        return Task.FromResult(true);
    }

    public Task<bool> HoldAsync(string receiver, string holder, TimeSpan lease) => Task.FromResult(true);

    public Task ReleaseAsync(string receiver, string holder) => Task.CompletedTask;
}
