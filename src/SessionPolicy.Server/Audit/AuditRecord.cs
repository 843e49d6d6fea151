using System.Text.Json.Serialization;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Audit;

/// <summary>
/// One audit record: who did what, to whom, when and why, with the decision and policy version behind it.
/// Never holds a secret: credentials are not an input to any record.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>What happened: session.issued, session.registered, session.denied, session.shortened, logout, signal.reported, policy.loaded, policy.rejected, decision, access.denied, receiver.changed, receiver.failed, credentials.revoked, credentials.revocation_failed, credentials.revocation_missed.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }

    /// <summary>The authenticated caller whose call this was (token subject or certificate common name); absent when callers are not authenticated or the service acted on its own.</summary>
    [JsonPropertyName("caller")] public string? Caller { get; init; }

    /// <summary>The network address the call came from.</summary>
    [JsonPropertyName("address")] public string? Address { get; init; }

    /// <summary>The RPC, for records of refused calls.</summary>
    [JsonPropertyName("method")] public string? Method { get; init; }

    /// <summary>Who the request names as acting (a ForceLogout's actor, a signal's source), or the part of the service that acted (sweeper, policy).</summary>
    [JsonPropertyName("actor")] public string? Actor { get; init; }
    [JsonPropertyName("principal")] public string? PrincipalId { get; init; }
    [JsonPropertyName("role")] public string? RoleArn { get; init; }
    [JsonPropertyName("sessions")] public IReadOnlyList<string>? SessionIds { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("outcome")] public string? Outcome { get; init; }
    [JsonPropertyName("max_session_seconds")] public int? MaxSessionSeconds { get; init; }
    [JsonPropertyName("idle_timeout_seconds")] public int? IdleTimeoutSeconds { get; init; }
    [JsonPropertyName("decision_id")] public string? DecisionId { get; init; }
    [JsonPropertyName("policy_version")] public string? PolicyVersion { get; init; }
    [JsonPropertyName("event_id")] public string? EventId { get; init; }
    [JsonPropertyName("attributes")] public IReadOnlyDictionary<string, string>? Attributes { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }

    /// <summary>Whether the session (or one of the sessions) is allowed longer than <c>SessionPolicy:Sessions:LongSessionThreshold</c>.</summary>
    [JsonPropertyName("long")] public bool? Long { get; init; }

    /// <summary>For a logout: each session it ended, with the decision and policy it was started under.</summary>
    [JsonPropertyName("ended")] public IReadOnlyList<AuditSession>? Ended { get; init; }

    /// <summary>For a session shortened by a new policy or a signal: its deadline before and after.</summary>
    [JsonPropertyName("old_deadline")] public DateTimeOffset? OldDeadline { get; init; }
    [JsonPropertyName("new_deadline")] public DateTimeOffset? NewDeadline { get; init; }
}

/// <summary>One ended session in a logout record: its id, the decision and policy version it was started under, when it started and would have ended, and whether it was long.</summary>
public sealed record AuditSession(
    [property: JsonPropertyName("session")] string SessionId,
    [property: JsonPropertyName("decision_id")] string? DecisionId,
    [property: JsonPropertyName("policy_version")] string? PolicyVersion,
    [property: JsonPropertyName("issued_at")] DateTimeOffset IssuedAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("long")] bool? Long);
