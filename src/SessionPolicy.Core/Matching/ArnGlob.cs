namespace SessionPolicy.Core.Matching;

/// <summary>
/// An IAM-style ARN pattern: <c>*</c> matches any run of characters (slashes included), <c>?</c> one
/// character, everything else itself. The role's path and name (after <c>:role/</c>) compare without regard
/// to case, as IAM keeps role names unique regardless of case; the partition and account compare as written.
/// </summary>
public sealed class ArnGlob
{
    private const string RoleMarker = ":role/";

    /// <summary>Creates a pattern.</summary>
    public ArnGlob(string pattern)
    {
        Pattern = pattern;
        var first = pattern.AsSpan().IndexOfAny('*', '?');
        IsExact = first < 0;
        if (IsExact) return;
        var role = pattern.IndexOf(RoleMarker, StringComparison.Ordinal);
        if (role >= 0)
        {
            var rest = pattern.AsSpan(role + RoleMarker.Length);
            var wildcard = rest.IndexOfAny('*', '?');
            RolePrefix = (wildcard < 0 ? rest : rest[..wildcard]).ToString();
        }
        // Necessary conditions checked before the full match, which reject most ARNs cheaply: the literal
        // text before the first wildcard, after the last, and the longest run between (without regard to
        // case, which is weaker than the match itself, so never wrong).
        _prefix = pattern[..first];
        _suffix = pattern[(pattern.AsSpan().LastIndexOfAny('*', '?') + 1)..];
        _middle = pattern[first..^_suffix.Length].Split('*', '?').MaxBy(part => part.Length) ?? "";
        _minLength = pattern.Length - pattern.Count(c => c == '*');
        HasSingleWildcard = pattern.Contains('?');
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
    /// starts with it (without regard to case): the index files patterns under it.
    /// </summary>
    public string RolePrefix { get; } = "";

    /// <summary>Whether the pattern has no wildcard, so it matches one ARN only.</summary>
    public bool IsExact { get; }

    /// <summary>Whether the pattern holds a <c>?</c>.</summary>
    public bool HasSingleWildcard { get; }

    /// <summary>Whether <paramref name="value"/> (an ARN) matches. Allocates nothing.</summary>
    public bool IsMatch(ReadOnlySpan<char> value)
    {
        var marker = value.IndexOf(RoleMarker, StringComparison.Ordinal);
        return IsMatch(value, marker < 0 ? value.Length : marker + RoleMarker.Length);
    }

    /// <summary>Whether a parsed role ARN matches (its path and name start known). Allocates nothing.</summary>
    public bool IsMatch(Evaluation.RoleArn arn) => IsMatch(arn.Value, arn.Value.Length - arn.PathAndName.Length);

    /// <summary>Whether <paramref name="value"/> matches, its characters from <paramref name="caseless"/> on compared without regard to case.</summary>
    private bool IsMatch(ReadOnlySpan<char> value, int caseless)
    {
        var pattern = Pattern.AsSpan();
        if (IsExact)
        {
            return pattern.Length == value.Length && pattern[..caseless].SequenceEqual(value[..caseless])
                && pattern[caseless..].Equals(value[caseless..], StringComparison.OrdinalIgnoreCase);
        }
        if (value.Length < _minLength || !value.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase) ||
            !value.EndsWith(_suffix, StringComparison.OrdinalIgnoreCase) || !value.Contains(_middle, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // Greedy matching with one backtrack point: linear for patterns of literal runs and stars.
        int p = 0, v = 0, star = -1, resume = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], v >= caseless)))
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

    /// <summary>
    /// Whether every ARN <paramref name="other"/> matches, this pattern matches too (sure answers only: false
    /// may also mean "cannot tell"). Reads <paramref name="other"/> as text, its wildcards as characters this
    /// pattern's <c>*</c> absorbs.
    /// </summary>
    public bool Covers(ArnGlob other) => IsExact ? other.IsExact && IsMatch(other.Pattern) : !HasSingleWildcard && IsMatch(other.Pattern);

    /// <summary>Role names are ASCII ([\w+=,.@-]): letters differ only in the 0x20 bit.</summary>
    private static bool Same(char a, char b, bool caseless) => a == b || (caseless && (a ^ b) == 0x20 && char.IsAsciiLetter(a));

    /// <inheritdoc/>
    public override string ToString() => Pattern;
}
