using System.Text.RegularExpressions;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// What makes a receiver valid, wherever it comes from (settings, <c>RegisterReceiver</c>, a Shared Signals stream): each
/// problem is reported with the field it concerns, in the API's snake_case (the settings name it in PascalCase).
/// </summary>
internal static partial class ReceiverRules
{
    public const int MaxAudiences = 64;
    public const int MaxPrincipals = 1000;
    public const int MaxId = 256;
    public const int MaxAuthorization = 4096;

    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex NamePattern();

    public static bool IsName(string name) => NamePattern().IsMatch(name);

    /// <summary>Reports a receiver name that is not 1 to 64 of a-z, 0-9 and '-' (field <c>name</c>).</summary>
    public static void CheckName(string name, Action<string, string> add)
    {
        if (!IsName(name)) add("name", "must be 1 to 64 of a-z, 0-9 and '-'");
    }

    /// <summary>Reports each problem of <paramref name="r"/> to <paramref name="add"/> (field, description).</summary>
    public static void Check(ReceiverSettings r, ReceiverOptions options, Action<string, string> add)
    {
        CheckName(r.Name, add);
        if (!ReceiverSettings.Kinds.Contains(r.Kind)) add("kind", $"must be one of {string.Join(", ", ReceiverSettings.Kinds)}");
        if (r.Kind == ReceiverSettings.SsfPoll)
        {
            if (r.Url.Length > 0) add("url", "must be empty for ssf-poll: the receiver polls the service's endpoint");
            if (r.AuthorizationHeader.Length > 0) add("authorization_header", "must be empty for ssf-poll: the service calls nothing");
        }
        else if (ReceiverUrls.Refusal(r.Url, options) is { } why)
        {
            add("url", why);
        }
        if (r.Audiences.Length is 0 or > MaxAudiences || r.Audiences.Any(a => !IsId(a)))
        {
            add("audiences", $"must list 1 to {MaxAudiences} audiences of 1 to {MaxId} printable characters");
        }
        else if (options.KnownAudiences.Length > 0 && r.Audiences.FirstOrDefault(a => !options.KnownAudiences.Contains(a, StringComparer.Ordinal)) is { } unknown)
        {
            add("audiences", $"names '{unknown}', which is not among {ReceiverOptions.Section}:KnownAudiences");
        }
        if (r.Principals.Length > MaxPrincipals || r.Principals.Any(p => !IsId(p))) add("principals", $"must be at most {MaxPrincipals} principal ids of 1 to {MaxId} printable characters");
        if (!ReceiverSettings.SubjectFormats.Contains(r.SubjectFormat)) add("subject_format", $"must be one of {string.Join(", ", ReceiverSettings.SubjectFormats)}");
        else if (!r.IsSsf && r.SubjectFormat != "opaque") add("subject_format", "applies to Shared Signals receivers only");
        if (r.AuthorizationHeader.Length > MaxAuthorization || r.AuthorizationHeader.Any(char.IsControl))
        {
            add("authorization_header", $"must be at most {MaxAuthorization} characters, without control characters");
        }
    }

    /// <summary>An audience, principal or subject id: 1 to 256 characters, none a control character.</summary>
    public static bool IsId(string? s) => s is { Length: > 0 and <= MaxId } && !s.Any(char.IsControl);

    /// <summary>The settings' name of an API field: <c>subject_format</c> is <c>SubjectFormat</c>.</summary>
    public static string SettingName(string field) => string.Concat(field.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
