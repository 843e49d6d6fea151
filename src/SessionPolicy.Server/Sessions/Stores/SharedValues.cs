using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// One instance per distinct value (principal ids, role ARNs, audience lists, request bytes), counted, so
/// many sessions of one principal or role hold one copy; a value goes when its last session does. Not
/// thread-safe: the store's lock guards it.
/// </summary>
internal sealed class SharedValues<T>(IEqualityComparer<T> comparer) where T : class
{
    private readonly Dictionary<T, (T Value, int Count)> _values = new(comparer);

    public int Count => _values.Count;

    /// <summary>The shared instance equal to <paramref name="value"/>, counting one more holder.</summary>
    public T Acquire(T value)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_values, value, out var exists);
        if (!exists) slot = (value, 0);
        slot.Count++;
        return slot.Value;
    }

    /// <summary>One holder fewer; the value is forgotten with its last holder.</summary>
    public void Release(T value)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_values, value);
        if (Unsafe.IsNullRef(ref slot)) return;
        if (--slot.Count == 0) _values.Remove(value);
    }
}

/// <summary>Compares lists of strings element by element.</summary>
internal sealed class StringListComparer : IEqualityComparer<IReadOnlyList<string>>
{
    public static readonly StringListComparer Instance = new();

    public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.SequenceEqual(y, StringComparer.Ordinal));

    public int GetHashCode(IReadOnlyList<string> list)
    {
        var hash = new HashCode();
        foreach (var s in list) hash.Add(s, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
