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
        IsExact = pattern.AsSpan().IndexOfAny('*', '?') < 0;
    }

    /// <summary>The pattern text.</summary>
    public string Pattern { get; }

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
