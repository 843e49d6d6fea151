using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The in-process decision cache, keyed by the request's protobuf bytes: a decision is a pure function
/// of the request and the policy, so byte-identical requests share one (a request that differs only in
/// the order of its groups or map entries is a separate, equal entry). Bounded; entries expire after the
/// configured time to live (read from the injected clock) and are served only for the policy version
/// that made them. Holds only decisions, never credentials.
/// </summary>
internal sealed class DecisionCache
{
    private readonly ConcurrentDictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private readonly int _maxEntries;
    private readonly long _ttlTicks;
    private readonly TimeProvider _time;

    public DecisionCache(IOptions<DecisionCacheOptions> options, TimeProvider time)
    {
        _time = time;
        _maxEntries = options.Value.MaxEntries;
        _ttlTicks = (long)(options.Value.TimeToLive.TotalSeconds * time.TimestampFrequency);
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    private sealed record Entry(CachedDecision Cached, long ExpiresAt);

    public int Count => _entries.Count;

    /// <summary>The cached decision for <paramref name="key"/> under <paramref name="policyVersion"/>, unless it has expired.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, string policyVersion, out CachedDecision cached)
    {
        if (_bySpan.TryGetValue(key, out var entry))
        {
            if (_time.GetTimestamp() < entry.ExpiresAt && string.Equals(entry.Cached.Decision.PolicyVersion, policyVersion, StringComparison.Ordinal))
            {
                cached = entry.Cached;
                return true;
            }
            _bySpan.TryRemove(key, out _);
        }
        cached = null!;
        return false;
    }

    /// <summary>Caches a decision; the caller must not change it afterwards.</summary>
    public void Set(ReadOnlySpan<byte> key, CachedDecision cached)
    {
        if (_maxEntries == 0) return;
        if (_entries.Count >= _maxEntries) Evict();
        _bySpan[key] = new Entry(cached, _time.GetTimestamp() + _ttlTicks);
    }

    public void Clear() => _entries.Clear();

    /// <summary>Drops expired entries, then, if still full, about a tenth of the rest.</summary>
    private void Evict()
    {
        var now = _time.GetTimestamp();
        var excess = Math.Max(1, _maxEntries / 10);
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now) _entries.TryRemove(pair);
        }
        foreach (var pair in _entries)
        {
            if (_entries.Count < _maxEntries - excess + 1) break;
            _entries.TryRemove(pair);
        }
    }
}
