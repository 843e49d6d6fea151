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

    /// <summary>Counts what came of <paramref name="count"/> attempts at a delivery (<paramref name="error"/> in the service's words).</summary>
    Task RecordAsync(string receiver, DeliveryOutcome outcome, string error, DateTimeOffset at, int count = 1);

    /// <summary>What was counted for <paramref name="receiver"/>, on every replica.</summary>
    Task<DeliveryCounts> CountsAsync(string receiver);

    /// <summary>
    /// Moves a poll receiver's cursor from <paramref name="expected"/> (null: none yet) to <paramref name="next"/> and forgets
    /// the acknowledgements <paramref name="passed"/> it no longer needs; false when another poll moved it first.
    /// </summary>
    Task<bool> SwapAsync(string receiver, string? expected, string next, IReadOnlyCollection<string> passed);

    /// <summary>The jti of the SETs a poll receiver acknowledged (or reported in error) past its cursor.</summary>
    Task<IReadOnlySet<string>> AcknowledgedAsync(string receiver);

    /// <summary>Records acknowledgements of SETs a poll receiver was offered.</summary>
    Task AcknowledgeAsync(string receiver, IReadOnlyCollection<string> jtis);

    /// <summary>Adds a SET that is not from the log (a stream verification), delivered before the log's; at most <paramref name="max"/> wait at once (the oldest go first).</summary>
    Task AddControlAsync(string receiver, string jti, string set, int max);

    /// <summary>The SETs waiting that are not from the log, oldest first.</summary>
    Task<IReadOnlyList<(string Jti, string Set)>> ControlAsync(string receiver);

    /// <summary>Drops SETs not from the log once delivered.</summary>
    Task DropControlAsync(string receiver, IReadOnlyCollection<string> jtis);

    /// <summary>Forgets everything kept for a receiver that was removed.</summary>
    Task ForgetAsync(string receiver);
}

/// <summary>What came of an attempt at a delivery.</summary>
internal enum DeliveryOutcome
{
    /// <summary>Taken (200 or 204).</summary>
    Delivered,

    /// <summary>Failed, to be tried again.</summary>
    Failing,

    /// <summary>Refused for good (400), or given up on (its event left the log).</summary>
    Failed,
}

/// <summary>A receiver's counts: its last success, its last failure, tokens taken and tokens failed for good.</summary>
internal sealed record DeliveryCounts(DateTimeOffset? LastSuccess, string LastError, DateTimeOffset? LastErrorAt, long Delivered, long Failed)
{
    public static readonly DeliveryCounts None = new(null, "", null, 0, 0);
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

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeliveryCounts> _counts = new(StringComparer.Ordinal);

    public Task RecordAsync(string receiver, DeliveryOutcome outcome, string error, DateTimeOffset at, int count = 1)
    {
        _counts.AddOrUpdate(receiver, _ => Next(DeliveryCounts.None), (_, c) => Next(c));
        return Task.CompletedTask;

        DeliveryCounts Next(DeliveryCounts c) => outcome switch
        {
            DeliveryOutcome.Delivered => c with { LastSuccess = at, Delivered = c.Delivered + count },
            DeliveryOutcome.Failed => c with { LastError = error, LastErrorAt = at, Failed = c.Failed + count },
            _ => c with { LastError = error, LastErrorAt = at },
        };
    }

    public Task<DeliveryCounts> CountsAsync(string receiver) => Task.FromResult(_counts.GetValueOrDefault(receiver, DeliveryCounts.None));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> _acked = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<(string Jti, string Set)>> _control = new(StringComparer.Ordinal);

    public Task<bool> SwapAsync(string receiver, string? expected, string next, IReadOnlyCollection<string> passed)
    {
        lock (_cursors)
        {
            if (_cursors.GetValueOrDefault(receiver) != expected) return Task.FromResult(false);
            _cursors[receiver] = next;
            var acked = _acked.GetOrAdd(receiver, _ => new HashSet<string>(StringComparer.Ordinal));
            lock (acked) acked.ExceptWith(passed);
        }
        return Task.FromResult(true);
    }

    public Task<IReadOnlySet<string>> AcknowledgedAsync(string receiver)
    {
        var acked = _acked.GetOrAdd(receiver, _ => new HashSet<string>(StringComparer.Ordinal));
        lock (acked) return Task.FromResult<IReadOnlySet<string>>(new HashSet<string>(acked, StringComparer.Ordinal));
    }

    public Task AcknowledgeAsync(string receiver, IReadOnlyCollection<string> jtis)
    {
        var acked = _acked.GetOrAdd(receiver, _ => new HashSet<string>(StringComparer.Ordinal));
        lock (acked) acked.UnionWith(jtis);
        return Task.CompletedTask;
    }

    public Task AddControlAsync(string receiver, string jti, string set, int max)
    {
        var list = _control.GetOrAdd(receiver, _ => []);
        lock (list)
        {
            list.Add((jti, set));
            if (list.Count > max) list.RemoveRange(0, list.Count - max);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string Jti, string Set)>> ControlAsync(string receiver)
    {
        if (!_control.TryGetValue(receiver, out var list)) return Task.FromResult<IReadOnlyList<(string, string)>>([]);
        lock (list) return Task.FromResult<IReadOnlyList<(string, string)>>([.. list]);
    }

    public Task DropControlAsync(string receiver, IReadOnlyCollection<string> jtis)
    {
        if (_control.TryGetValue(receiver, out var list)) lock (list) list.RemoveAll(c => jtis.Contains(c.Jti));
        return Task.CompletedTask;
    }

    public Task ForgetAsync(string receiver)
    {
        _cursors.TryRemove(receiver, out _);
        _counts.TryRemove(receiver, out _);
        _acked.TryRemove(receiver, out _);
        _control.TryRemove(receiver, out _);
        return Task.CompletedTask;
    }
}
