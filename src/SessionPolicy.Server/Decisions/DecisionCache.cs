using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Signals;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The in-process decision cache. A decision is stored under its normalised input and policy version
/// (<see cref="DecisionKey"/>), so equal requests share one decision whatever the order of their groups
/// or map entries; each request encoding that led to it is remembered as an alias, so a repeated request
/// is found by its bytes before it is even parsed. Bounded; entries expire after the configured time to
/// live (read from the injected clock) and are served only for the policy version and the principal
/// state count (<see cref="PrincipalGenerations"/>) that made them. Bounded by entries and by bytes (keys,
/// encodings and replies counted), and an encoding longer than <see cref="DecisionCacheOptions.MaxAliasBytes"/>
/// is not remembered, so padded requests cannot grow it. Holds only decisions, never credentials.
/// </summary>
internal sealed class DecisionCache
{
    private readonly ConcurrentDictionary<string, Entry> _decisions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<byte[], Entry> _aliases = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], Entry>.AlternateLookup<ReadOnlySpan<byte>> _aliasesBySpan;
    private readonly int _maxEntries;
    private readonly long _maxBytes;
    private readonly int _maxAliasBytes;
    private long _bytes;
    private readonly long _ttlTicks;
    private readonly TimeProvider _time;
    private readonly PrincipalGenerations _generations;

    public DecisionCache(IOptions<DecisionCacheOptions> options, TimeProvider time, PrincipalGenerations generations)
    {
        _time = time;
        _generations = generations;
        _maxEntries = options.Value.MaxEntries;
        _maxBytes = options.Value.MaxBytes;
        _maxAliasBytes = options.Value.MaxAliasBytes;
        _ttlTicks = (long)(options.Value.TimeToLive.TotalSeconds * time.TimestampFrequency);
        _aliasesBySpan = _aliases.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>What an entry holds, in bytes: its reply and the decision's own strings, roughly.</summary>
    private sealed record Entry(CachedDecision Cached, long ExpiresAt)
    {
        public long Bytes { get; } = 256 + Cached.EncodedResponse.Length * 2L;
    }

    /// <summary>Decisions held (not counting aliases).</summary>
    public int Count => _decisions.Count;

    /// <summary>Bytes held, as counted against <see cref="DecisionCacheOptions.MaxBytes"/>.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>What is held, by key and by request bytes, for inspection.</summary>
    public IEnumerable<(string Key, CachedDecision Cached)> Entries() =>
        _decisions.Select(e => (e.Key, e.Value.Cached)).Concat(_aliases.Select(e => (Convert.ToBase64String(e.Key), e.Value.Cached)));

    /// <summary>The decision for a request encoding seen before, under <paramref name="policyVersion"/>, unless it has expired or the principal's state changed.</summary>
    public bool TryGet(ReadOnlySpan<byte> encoded, string policyVersion, out CachedDecision cached)
    {
        if (_aliasesBySpan.TryGetValue(encoded, out var entry))
        {
            if (IsCurrent(entry) && string.Equals(entry.Cached.Decision.PolicyVersion, policyVersion, StringComparison.Ordinal))
            {
                cached = entry.Cached;
                return true;
            }
            if (_aliasesBySpan.TryRemove(encoded, out var alias, out _)) Released(AliasSize(alias.Length));
        }
        cached = null!;
        return false;
    }

    /// <summary>
    /// The decision stored under <paramref name="key"/>, unless it has expired or the principal's state
    /// changed; on a hit,
    /// <paramref name="encoded"/> becomes one more alias of it.
    /// </summary>
    public bool TryGet(string key, ReadOnlySpan<byte> encoded, out CachedDecision cached)
    {
        if (_decisions.TryGetValue(key, out var entry))
        {
            if (IsCurrent(entry))
            {
                AddAlias(encoded, entry);
                cached = entry.Cached;
                return true;
            }
            if (_decisions.TryRemove(new KeyValuePair<string, Entry>(key, entry))) Released(DecisionSize(key, entry));
        }
        cached = null!;
        return false;
    }

    /// <summary>
    /// Stores a decision under its key and the encoding it came in, for the time to live or until
    /// <paramref name="notAfter"/> if that is sooner; the caller must not change it afterwards.
    /// </summary>
    public void Set(string key, ReadOnlySpan<byte> encoded, CachedDecision cached, DateTimeOffset? notAfter = null)
    {
        if (_maxEntries == 0) return;
        if (_decisions.Count >= _maxEntries || Bytes >= _maxBytes) Evict(_decisions);
        var now = _time.GetTimestamp();
        var expires = now + _ttlTicks;
        if (notAfter is { } end)
        {
            var left = (long)((end - _time.GetUtcNow()).TotalSeconds * _time.TimestampFrequency);
            expires = Math.Min(expires, now + left);
        }
        var entry = new Entry(cached, expires);
        if (_decisions.TryGetValue(key, out var replaced) && _decisions.TryRemove(new KeyValuePair<string, Entry>(key, replaced))) Released(DecisionSize(key, replaced));
        if (_decisions.TryAdd(key, entry)) Interlocked.Add(ref _bytes, DecisionSize(key, entry));
        AddAlias(encoded, entry);
    }

    public void Clear()
    {
        _decisions.Clear();
        _aliases.Clear();
        Interlocked.Exchange(ref _bytes, 0);
    }

    /// <summary>Not expired, and the principal's state has not changed since the decision was made.</summary>
    private bool IsCurrent(Entry entry) =>
        _time.GetTimestamp() < entry.ExpiresAt && _generations.Current(entry.Cached.PrincipalId) == entry.Cached.Generation;

    private void AddAlias(ReadOnlySpan<byte> encoded, Entry entry)
    {
        if (encoded.Length > _maxAliasBytes) return;
        if (_aliases.Count >= _maxEntries || Bytes >= _maxBytes) Evict(_aliases);
        // An alias shares its entry's reply: only its own bytes count.
        if (_aliasesBySpan.TryRemove(encoded, out var old, out _)) Released(AliasSize(old.Length));
        if (_aliasesBySpan.TryAdd(encoded, entry)) Interlocked.Add(ref _bytes, AliasSize(encoded.Length));
    }

    private void Released(long bytes) => Interlocked.Add(ref _bytes, -bytes);

    /// <summary>What a decision counts against the byte budget: its key (UTF-16) and its entry.</summary>
    private static long DecisionSize(string key, Entry entry) => key.Length * 2L + entry.Bytes;

    /// <summary>What an alias counts: its request bytes and the map's overhead; its entry is counted with the decision.</summary>
    private static long AliasSize(int length) => length + 64L;

    private static long SizeOf<TKey>(KeyValuePair<TKey, Entry> pair) => pair.Key switch
    {
        string key => DecisionSize(key, pair.Value),
        byte[] alias => AliasSize(alias.Length),
        _ => 0,
    };

    /// <summary>Drops expired entries, then, if still full, about a tenth of the rest.</summary>
    private void Evict<TKey>(ConcurrentDictionary<TKey, Entry> map) where TKey : notnull
    {
        var now = _time.GetTimestamp();
        var excess = Math.Max(1, _maxEntries / 10);
        foreach (var pair in map)
        {
            if (pair.Value.ExpiresAt <= now && map.TryRemove(pair)) Released(SizeOf(pair));
        }
        foreach (var pair in map)
        {
            if (map.Count < _maxEntries - excess + 1 && Bytes < _maxBytes - _maxBytes / 10) break;
            if (map.TryRemove(pair)) Released(SizeOf(pair));
        }
    }
}
