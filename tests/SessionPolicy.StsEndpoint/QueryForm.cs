using System.Net;

namespace SessionPolicy.StsEndpoint;

/// <summary>
/// A form-encoded Query API body, parsed strictly: every parameter once, lists as contiguous
/// <c>Name.member.N</c> from 1, and no parameter left unread (<see cref="RejectUnread"/>).
/// </summary>
public sealed class QueryForm
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private QueryForm() { }

    public static QueryForm Parse(string body)
    {
        var form = new QueryForm();
        if (body.Length == 0) return form;
        foreach (var pair in body.Split('&'))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new StsError(HttpStatusCode.BadRequest, "MalformedQueryString", $"Malformed parameter '{pair}'.");
            var key = Decode(pair[..eq]);
            if (!form._values.TryAdd(key, Decode(pair[(eq + 1)..])))
            {
                throw new StsError(HttpStatusCode.BadRequest, "MalformedQueryString", $"Parameter '{key}' appears more than once.");
            }
        }
        return form;
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name, string field) =>
        Optional(name) ?? throw StsError.Validation($"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null");

    /// <summary>Reads <c>{name}.member.1{suffix}</c>, <c>.2</c>, ... until the first gap; a later index after a gap is left unread and rejected.</summary>
    public List<string> Members(string name, string suffix = "")
    {
        var list = new List<string>();
        while (Optional($"{name}.member.{list.Count + 1}{suffix}") is { } value) list.Add(value);
        return list;
    }

    public void RejectUnread()
    {
        foreach (var key in _values.Keys)
        {
            if (!_read.Contains(key)) throw new StsError(HttpStatusCode.BadRequest, "InvalidParameterValue", $"Unknown or out-of-sequence parameter '{key}'.");
        }
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
}
