using Google.Rpc;
using SessionPolicy.V1;

namespace SessionPolicy.Mapping;

/// <summary>Collects every bad field of a request, as <c>google.rpc.BadRequest</c> field violations.</summary>
public sealed class FieldViolations
{
    private readonly string _prefix;
    private readonly List<BadRequest.Types.FieldViolation> _violations;

    public FieldViolations() : this("", []) { }

    private FieldViolations(string prefix, List<BadRequest.Types.FieldViolation> violations)
    {
        _prefix = prefix;
        _violations = violations;
    }

    public bool Any => _violations.Count > 0;

    public int Count => _violations.Count;

    public void Add(string field, string description) =>
        _violations.Add(new BadRequest.Types.FieldViolation { Field = _prefix + field, Description = $"{_prefix}{field} {description}" });

    /// <summary>A view that records into the same list, with fields reported under <paramref name="path"/>.</summary>
    public FieldViolations Nested(string path) => new(_prefix + path, _violations);

    /// <summary>The violations recorded so far.</summary>
    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations => _violations;

    /// <summary>One line naming every violation (the first ten), for status messages and the command line.</summary>
    public string Describe() => _violations.Count == 1
        ? _violations[0].Description
        : $"{_violations.Count} invalid fields: {string.Join("; ", _violations.Take(10).Select(v => v.Description))}";
}
