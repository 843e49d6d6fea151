namespace SessionPolicy.Core.Matching;

/// <summary>
/// An IAM-style ARN pattern: <c>*</c> matches any run of characters (slashes included), <c>?</c> one
/// character, everything else itself, case-sensitively, as IAM compares ARNs.
/// </summary>
public sealed class ArnGlob
{
    /// <summary>Creates a pattern.</summary>
    public ArnGlob(string pattern)
    {
        Pattern = pattern;
        var first = pattern.AsSpan().IndexOfAny('*', '?');
        IsExact = first < 0;
        if (IsExact) return;
        var role = pattern.IndexOf(":role/", StringComparison.Ordinal);
        if (role >= 0)
        {
            var rest = pattern.AsSpan(role + 6);
            var wildcard = rest.IndexOfAny('*', '?');
            RolePrefix = (wildcard < 0 ? rest : rest[..wildcard]).ToString();
        }
        // Necessary conditions checked before the full match, which rejects most ARNs cheaply:
        // the literal text before the first wildcard, after the last, and the longest run between.
        _prefix = pattern[..first];
        _suffix = pattern[(pattern.AsSpan().LastIndexOfAny('*', '?') + 1)..];
        _middle = pattern[first..^_suffix.Length].Split('*', '?').MaxBy(part => part.Length) ?? "";
        _minLength = pattern.Length - pattern.Count(c => c == '*');
    }

    private readonly string _prefix = "";
    private readonly string _suffix = "";
    private readonly string _middle = "";
    private readonly int _minLength;

    /// <summary>The pattern text.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The literal text right after <c>:role/</c> up to the first wildcard, or empty when there is none.
    /// A role resource never holds a colon, so every ARN the pattern matches has a path and name that
    /// starts with it: the index files patterns under it.
    /// </summary>
    public string RolePrefix { get; } = "";

    /// <summary>Whether the pattern has no wildcard, so it matches one ARN only.</summary>
    public bool IsExact { get; }

    /// <summary>Whether <paramref name="value"/> matches. Allocates nothing.</summary>
    public bool IsMatch(ReadOnlySpan<char> value)
    {
        var pattern = Pattern.AsSpan();
        if (IsExact)
        {
            return pattern.SequenceEqual(value);
        }
        if (value.Length < _minLength || !value.StartsWith(_prefix, StringComparison.Ordinal) ||
            !value.EndsWith(_suffix, StringComparison.Ordinal) || !value.Contains(_middle, StringComparison.Ordinal))
        {
            return false;
        }
        // Greedy matching with one backtrack point: linear for patterns of literal runs and stars.
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == value[v]))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;
}
