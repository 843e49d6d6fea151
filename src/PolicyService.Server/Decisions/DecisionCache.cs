using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The in-process decision cache, keyed by the request message itself (protobuf messages compare and
/// hash by content; a request that differs only in the order of its groups or map entries is a separate,
/// equal entry): bounded, entries expire after the
/// configured time to live (read from the injected clock), and an entry is served only for the policy
/// version that made it. Holds only decisions, never credentials.
/// </summary>
internal sealed class DecisionCache
{
    private readonly ConcurrentDictionary<DecideRequest, Entry> _entries = new();
    private readonly int _maxEntries;
    private readonly long _ttlTicks;
    private readonly TimeProvider _time;

    public DecisionCache(IOptions<DecisionCacheOptions> options, TimeProvider time)
    {
        _time = time;
        _maxEntries = options.Value.MaxEntries;
        _ttlTicks = (long)(options.Value.TimeToLive.TotalSeconds * time.TimestampFrequency);
    }

    private sealed record Entry(Decision Decision, long ExpiresAt);

    public int Count => _entries.Count;

    /// <summary>The cached decision for <paramref name="key"/> under <paramref name="policyVersion"/>, unless it has expired.</summary>
    public bool TryGet(DecideRequest key, string policyVersion, out Decision decision)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (_time.GetTimestamp() < entry.ExpiresAt && string.Equals(entry.Decision.PolicyVersion, policyVersion, StringComparison.Ordinal))
            {
                decision = entry.Decision;
                return true;
            }
            _entries.TryRemove(new KeyValuePair<DecideRequest, Entry>(key, entry));
        }
        decision = null!;
        return false;
    }

    /// <summary>Caches a decision under a copy of the request; the caller must not change the decision afterwards.</summary>
    public void Set(DecideRequest key, Decision decision)
    {
        if (_maxEntries == 0) return;
        if (_entries.Count >= _maxEntries) Evict();
        _entries[key.Clone()] = new Entry(decision, _time.GetTimestamp() + _ttlTicks);
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
