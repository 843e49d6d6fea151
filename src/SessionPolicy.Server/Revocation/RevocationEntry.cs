using System.Text.Json.Serialization;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// A role's revocations as the service keeps them: the policy it wants the role to have, whether IAM has it, and the
/// endings waiting for IAM. Kept by the ledger until IAM accepted it, so nothing is lost when IAM is unreachable or the
/// service restarts.
/// </summary>
internal sealed record RevocationEntry
{
    [JsonPropertyName("role")] public required string RoleArn { get; init; }

    /// <summary>The document the role should have; empty when nothing is denied any more (the policy is to be deleted).</summary>
    [JsonPropertyName("document")] public required string Document { get; init; }

    /// <summary>Whether <see cref="Document"/> includes what IAM held when the service first wrote to the role.</summary>
    [JsonPropertyName("based")] public bool Based { get; init; }

    [JsonPropertyName("state")] public required RevocationState State { get; init; }

    /// <summary>Endings not yet accepted by IAM (at most <see cref="MaxWaiting"/>, oldest kept first).</summary>
    [JsonPropertyName("waiting")] public IReadOnlyList<WaitingEnding> Waiting { get; init; } = [];

    /// <summary>Whether the policy grew past its limit and fell back to the role-wide deny.</summary>
    [JsonPropertyName("fell_back")] public bool FellBack { get; init; }

    [JsonPropertyName("written_at")] public DateTimeOffset? WrittenAt { get; init; }

    /// <summary>What IAM said last when it refused, in the service's words.</summary>
    [JsonPropertyName("last_error")] public string LastError { get; init; } = "";

    public const int MaxWaiting = 1000;

    public DenyPolicy Policy() => DenyPolicy.Parse(Document);
}

/// <summary>Where a role's policy stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RevocationState>))]
internal enum RevocationState
{
    /// <summary>Changed, not yet accepted by IAM.</summary>
    Pending,

    /// <summary>IAM accepted the document.</summary>
    Written,

    /// <summary>Dry run: logged, never written.</summary>
    DryRun,
}

/// <summary>An ending waiting for IAM: when it happened and the sessions it denied.</summary>
internal sealed record WaitingEnding([property: JsonPropertyName("at")] DateTimeOffset At, [property: JsonPropertyName("sessions")] IReadOnlyList<string> Sessions);
