using System.Text.Json.Serialization;

namespace SessionPolicy.Server.Audit;

/// <summary>
/// One audit record: who did what, to whom, when and why, with the decision and policy version behind it.
/// Never holds a secret: credentials are not an input to any record.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>What happened: session.issued, session.registered, session.denied, logout, signal.reported, policy.loaded, policy.rejected, decision.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("time")] public required DateTimeOffset Time { get; init; }

    /// <summary>Who asked: the caller as far as it is known, or the actor it named.</summary>
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
