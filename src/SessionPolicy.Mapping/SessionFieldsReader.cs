using System.Text.RegularExpressions;
using SessionPolicy.V1;

namespace SessionPolicy.Mapping;

/// <summary>Checks the session-lifecycle fields: audiences, session ids, cursors, actors.</summary>
public static partial class SessionFieldsReader
{
    public const int MaxAudiences = 16;
    public const int MaxIdLength = 128;

    /// <summary>Audiences: 1..16 (or 0..16 when not <paramref name="required"/>), each 1..128 of letters, digits and <c>_.:/@-</c>.</summary>
    public static void Audiences(FieldViolations errors, string field, IReadOnlyList<string> audiences, bool required)
    {
        if (required && audiences.Count == 0) errors.Add(field, "must name at least one audience (the applications concerned)");
        if (audiences.Count > MaxAudiences) errors.Add(field, $"has {audiences.Count} entries; at most {MaxAudiences}");
        for (var i = 0; i < audiences.Count && i < MaxAudiences; i++)
        {
            if (audiences[i].Length is 0 or > MaxIdLength || !AudienceChars().IsMatch(audiences[i]))
            {
                errors.Add($"{field}[{i}]", $"must be 1..{MaxIdLength} characters of letters, digits and _.:/@-");
            }
        }
    }

    /// <summary>A session id: 1..128 of letters, digits and <c>_.:@-</c>.</summary>
    public static void SessionId(FieldViolations errors, string field, string id, bool required)
    {
        if (id.Length == 0)
        {
            if (required) errors.Add(field, "is required");
        }
        else if (!IsSessionId(id)) errors.Add(field, $"must be 1..{MaxIdLength} characters of letters, digits and _.:@-");
    }

    /// <summary>Whether <paramref name="id"/> is a session id the service takes (the rule of <see cref="SessionId"/>).</summary>
    public static bool IsSessionId(string id) => id.Length is > 0 and <= MaxIdLength && IdChars().IsMatch(id);

    /// <summary>Free text: at most <paramref name="max"/> characters, no control characters.</summary>
    public static void Text(FieldViolations errors, string field, string value, int max)
    {
        if (value.Length > max) errors.Add(field, $"is longer than {max} characters");
        else if (value.AsSpan().IndexOfAnyInRange('\0', '\u001f') >= 0) errors.Add(field, "contains control characters");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.:/@-]+$")]
    private static partial Regex AudienceChars();

    [GeneratedRegex(@"^[A-Za-z0-9_.:@-]+$")]
    private static partial Regex IdChars();
}
