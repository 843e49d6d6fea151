using SessionPolicy.Core.Evaluation;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>A RegisterSession request, read and checked: the session request to decide, who hears of its end, and the Decide request kept with it.</summary>
internal sealed record Registration(SessionRequest Session, IReadOnlyList<string> Audiences, string ExternalSessionId, byte[] DecideRequest);

/// <summary>A ForceLogout request, read and checked: exactly one of the targets, and why.</summary>
internal sealed record LogoutOrder(string? SessionId, string? PrincipalId, string? RoleArn, LogoutReason Reason, string Actor, string Detail);

/// <summary>A RecordActivity request, read and checked: user activity extends the idle deadline, background activity does not.</summary>
internal sealed record ActivityReport(string SessionId, bool User);

/// <summary>A ListSessions request, read and checked: the filter, the last id of the previous page ("" for the first), the page size.</summary>
internal sealed record SessionQuery(SessionFilter Filter, string AfterId, int PageSize);

/// <summary>A SubscribeLogouts request, read and checked.</summary>
internal sealed record LogoutSubscriptionRequest(IReadOnlyList<string> Audiences, string PrincipalId, string RoleArn, string? Cursor, bool SecurityEventTokens);

/// <summary>A session as listed: its record, what the current policy would give it, and whether it fits that (null when it cannot be decided again).</summary>
internal sealed record SessionView(SessionRecord Session, int? PolicyMaxSessionSeconds, bool? Compliant);

/// <summary>A page of sessions and the last id on it when more follow.</summary>
internal sealed record SessionPage(IReadOnlyList<SessionView> Sessions, string? LastIdWhenMore);
