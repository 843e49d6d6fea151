using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Cases;

/// <summary>One case of a policy test file: a request, the instant it is decided at (for time windows; now when not given), and what the decision must be.</summary>
internal sealed record PolicyTestCase(string Name, int Line, SessionRequest Request, Expectation Expect, DateTimeOffset? At = null);

/// <summary>What a case expects; unset parts are not checked.</summary>
internal sealed record Expectation
{
    public Outcome? Outcome { get; init; }
    public int? MaxSessionSeconds { get; init; }
    public int? IdleTimeoutSeconds { get; init; }
    public string? Profile { get; init; }
    public string[]? Guardrails { get; init; }
    public Constraint? Binding { get; init; }

    /// <summary>Each way <paramref name="d"/> differs from the expectation, in words.</summary>
    public IEnumerable<string> Mismatches(PolicyDecision d)
    {
        if (Outcome is { } o && o != d.Outcome) yield return $"outcome: expected {Words(o)}, got {Words(d.Outcome)}";
        if (MaxSessionSeconds is { } m && m != d.MaxSessionSeconds) yield return $"max_session: expected {m}s, got {d.MaxSessionSeconds}s";
        if (IdleTimeoutSeconds is { } i && i != d.IdleTimeoutSeconds) yield return $"idle_timeout: expected {i}s, got {d.IdleTimeoutSeconds}s";
        if (Profile is { } p && p != d.Profile) yield return $"profile: expected {p}, got {d.Profile}";
        if (Binding is { } b && b != d.Binding) yield return $"binding: expected {Words(b)}, got {Words(d.Binding)}";
        if (Guardrails is { } g && !g.Order().SequenceEqual(d.Guardrails.Select(x => x.Name).Order()))
        {
            yield return $"guardrails: expected [{string.Join(", ", g)}], got [{string.Join(", ", d.Guardrails.Select(x => x.Name))}]";
        }
    }

    public static string Words<T>(T value) where T : struct, Enum => CaseFileReader.Snake(value.ToString());
}
