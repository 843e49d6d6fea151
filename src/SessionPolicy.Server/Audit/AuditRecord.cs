using System.Text.Json.Serialization;
using SessionPolicy.Server.Security;

namespace SessionPolicy.Server.Audit;

/// <summary>
/// One audit record: who did what, to whom, when and why, with the decision and policy version behind it.
/// Never holds a secret: credentials are not an input to any record.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>What happened: session.issued, session.registered, session.denied, logout, signal.reported, policy.loaded, policy.rejected, decision, access.denied, receiver.changed, receiver.failed.</summary>
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
}
