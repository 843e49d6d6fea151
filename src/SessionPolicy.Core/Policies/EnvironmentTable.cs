using System.Collections.Frozen;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Core.Policies;

/// <summary>A declared environment and the other names callers use for it.</summary>
public sealed record DeclaredEnvironment(string Name, IReadOnlyList<string> Aliases);

/// <summary>
/// The environments a policy declares, most restrictive first, with their aliases (compared without regard
/// to case), and what an undeclared or missing environment is read as.
/// </summary>
public sealed class EnvironmentTable
{
    /// <summary>No environments declared: names are matched as given, without regard to case.</summary>
    public static readonly EnvironmentTable None = new([], null, null);

    private readonly FrozenDictionary<string, string> _names;

    /// <summary>Declares <paramref name="declared"/>; <paramref name="undeclared"/> and <paramref name="missing"/> name a declared environment, or null to leave it unknown.</summary>
    public EnvironmentTable(IReadOnlyList<DeclaredEnvironment> declared, string? undeclared, string? missing)
    {
        Declared = declared;
        Undeclared = undeclared;
        Missing = missing;
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in declared)
        {
            names.TryAdd(e.Name, e.Name);
            foreach (var alias in e.Aliases) names.TryAdd(alias, e.Name);
        }
        _names = names.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Declared environments, most restrictive first.</summary>
    public IReadOnlyList<DeclaredEnvironment> Declared { get; }

    /// <summary>What an undeclared name is read as, or null for unknown.</summary>
    public string? Undeclared { get; }

    /// <summary>What a missing environment is read as, or null for unknown.</summary>
    public string? Missing { get; }

    /// <summary>Whether the policy declares environments.</summary>
    public bool IsDeclared => Declared.Count > 0;

    /// <summary>The declared name a name or alias stands for (any case), or null.</summary>
    public string? Find(string name) => _names.TryGetValue(name, out var canonical) ? canonical : null;

    /// <summary>The environment the policy reads <paramref name="given"/> as; empty when it stays unknown. Allocates nothing.</summary>
    public string Resolve(string given, out EnvironmentResolution how)
    {
        if (!IsDeclared)
        {
            how = given.Length == 0 ? EnvironmentResolution.Missing : EnvironmentResolution.AsGiven;
            return given;
        }
        if (given.Length == 0)
        {
            how = EnvironmentResolution.Missing;
            return Missing ?? "";
        }
        if (_names.TryGetValue(given, out var canonical))
        {
            how = EnvironmentResolution.Declared;
            return canonical;
        }
        how = EnvironmentResolution.Undeclared;
        return Undeclared ?? "";
    }
}
