using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Decisions;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>
/// Reads the session requests of <c>SessionEventsService</c> at the edge: each returns the checked domain
/// request, or null with every bad field recorded in <c>errors</c>.
/// </summary>
internal static class SessionEventsReader
{
    /// <summary>Longest cursor a caller can hold (an epoch and a stream id).</summary>
    public const int MaxCursorLength = 64;

    public static Registration? Read(RegisterSessionRequest request, TimeBounds times, FieldViolations errors)
    {
        var session = SessionRequestReader.Read(request.Principal, request.Role, request.Context, times, errors);
        SessionFieldsReader.Audiences(errors, "audiences", request.Audiences, required: true);
        SessionFieldsReader.SessionId(errors, "external_session_id", request.ExternalSessionId, required: false);
        if (errors.Any || session is null) return null;
        var asked = DecisionRequestReader.Encode(request.Principal, request.Role, request.Context);
        return new Registration(session, [.. request.Audiences.Distinct(StringComparer.Ordinal)], request.ExternalSessionId, asked);
    }

    public static LogoutOrder? Read(ForceLogoutRequest request, FieldViolations errors)
    {
        switch (request.TargetCase)
        {
            case ForceLogoutRequest.TargetOneofCase.None: errors.Add("target", "must name a session_id, a principal_id or a role_arn"); break;
            case ForceLogoutRequest.TargetOneofCase.SessionId: SessionFieldsReader.SessionId(errors, "session_id", request.SessionId, required: true); break;
            case ForceLogoutRequest.TargetOneofCase.PrincipalId: PrincipalId(errors, "principal_id", request.PrincipalId, required: true); break;
            case ForceLogoutRequest.TargetOneofCase.RoleArn: RoleArnField(errors, "role_arn", request.RoleArn, required: true); break;
        }
        if (!System.Enum.IsDefined(request.Reason)) errors.Add("reason", $"has unknown value {(int)request.Reason}");
        SessionFieldsReader.Text(errors, "actor", request.Actor, 128);
        SessionFieldsReader.Text(errors, "detail", request.Detail, 1024);
        if (errors.Any) return null;
        return new LogoutOrder(
            request.TargetCase == ForceLogoutRequest.TargetOneofCase.SessionId ? request.SessionId : null,
            request.TargetCase == ForceLogoutRequest.TargetOneofCase.PrincipalId ? request.PrincipalId : null,
            request.TargetCase == ForceLogoutRequest.TargetOneofCase.RoleArn ? request.RoleArn : null,
            request.Reason == LogoutReason.Unspecified ? LogoutReason.Admin : request.Reason,
            request.Actor,
            request.Detail);
    }

    public static ActivityReport? Read(RecordActivityRequest request, FieldViolations errors)
    {
        SessionFieldsReader.SessionId(errors, "session_id", request.SessionId, required: true);
        if (request.Kind is not (ActivityKind.User or ActivityKind.Background)) errors.Add("kind", "must be ACTIVITY_KIND_USER or ACTIVITY_KIND_BACKGROUND");
        return errors.Any ? null : new ActivityReport(request.SessionId, request.Kind == ActivityKind.User);
    }

    public static SessionQuery? Read(ListSessionsRequest request, FieldViolations errors)
    {
        if (request.PageSize is < 0 or > 1000) errors.Add("page_size", "must be 1..1000 (0 for 100)");
        if (!System.Enum.IsDefined(request.State)) errors.Add("state", $"has unknown value {(int)request.State}");
        PrincipalId(errors, "principal_id", request.PrincipalId, required: false);
        RoleArnField(errors, "role_arn", request.RoleArn, required: false);
        var after = "";
        if (request.PageToken.Length > 0 && !PageToken.TryRead(request.PageToken, out after)) errors.Add("page_token", "is not a token from a previous page");
        if (errors.Any) return null;
        return new SessionQuery(new SessionFilter(request.PrincipalId, request.RoleArn, request.State), after, request.PageSize == 0 ? 100 : request.PageSize);
    }

    public static LogoutSubscriptionRequest? Read(SubscribeLogoutsRequest request, FieldViolations errors)
    {
        SessionFieldsReader.Audiences(errors, "audiences", request.Audiences, required: true);
        PrincipalId(errors, "principal_id", request.PrincipalId, required: false);
        RoleArnField(errors, "role_arn", request.RoleArn, required: false);
        if (request.Cursor.Length > MaxCursorLength) errors.Add("cursor", "is not a cursor of this service");
        if (errors.Any) return null;
        return new LogoutSubscriptionRequest([.. request.Audiences], request.PrincipalId, request.RoleArn,
            request.Cursor.Length > 0 ? request.Cursor : null, request.SecurityEventTokens);
    }

    /// <summary>A principal id: as long as a decision's (and, when required, present), no control characters.</summary>
    public static void PrincipalId(FieldViolations errors, string field, string value, bool required)
    {
        if (required && value.Length == 0) errors.Add(field, $"must be 1..{SessionRequestReader.MaxIdLength} characters");
        else SessionFieldsReader.Text(errors, field, value, SessionRequestReader.MaxIdLength);
    }

    private static void RoleArnField(FieldViolations errors, string field, string value, bool required)
    {
        if ((required || value.Length > 0) && !RoleArn.TryParse(value, out _, out var error)) errors.Add(field, error);
    }
}
