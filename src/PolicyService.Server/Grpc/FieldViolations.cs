using Google.Rpc;
using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>Collects every bad field of a request, then fails it as one INVALID_ARGUMENT with BadRequest details.</summary>
internal sealed class FieldViolations
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

    /// <summary>Throws INVALID_ARGUMENT naming every field when there is any violation.</summary>
    public void ThrowIfAny()
    {
        if (!Any) return;
        var message = _violations.Count == 1
            ? _violations[0].Description
            : $"{_violations.Count} invalid fields: {string.Join("; ", _violations.Take(10).Select(v => v.Description))}";
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(_violations);
        var status = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = message, Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) } };
        throw status.ToRpcException();
    }
}
