using SessionPolicy.Mapping;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Credentials;

/// <summary>Reads IssueSession at the edge: the checked <see cref="IssueOrder"/>, or null with every bad field (STS limits included) recorded.</summary>
internal static class IssueSessionRequestReader
{
    public static IssueOrder? Read(IssueSessionRequest request, TimeBounds times, FieldViolations errors)
    {
        IssueSessionReader.Validate(request, errors);
        SessionFieldsReader.Audiences(errors, "audiences", request.Audiences, required: false);
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, times, errors);
        if (errors.Any || session is null) return null;
        var sts = new StsAsk(
            request.Role.Arn,
            request.RoleSessionName,
            [.. request.SessionTags.OrderBy(t => t.Key, StringComparer.Ordinal)],
            [.. request.TransitiveTagKeys],
            request.SourceIdentity,
            request.ExternalId,
            request.InlinePolicy,
            [.. request.PolicyArns]);
        var asked = new DecideRequest { Principal = request.Principal, Role = request.Role, Context = request.Context ?? new RequestContext() };
        return new IssueOrder(session, sts, [.. request.Audiences], request.Explain, asked);
    }
}
