using SessionPolicy.V1;

namespace SessionPolicy.Cli.Commands;

/// <summary>Prints a decision for people.</summary>
internal static class DecisionPrinter
{
    public static void Print(Decision d, TextWriter output)
    {
        output.WriteLine($"outcome:        {Name(d.Outcome.ToString())}");
        output.WriteLine($"max session:    {d.MaxSessionSeconds}s (bound by {Name(d.BindingConstraint.ToString())})");
        output.WriteLine($"idle timeout:   {(d.IdleTimeoutSeconds == 0 ? "none" : d.IdleTimeoutSeconds + "s")} (bound by {Name(d.IdleBindingConstraint.ToString())})");
        output.WriteLine($"profile:        {d.Profile}");
        output.WriteLine($"guardrails:     {(d.Guardrails.Count == 0 ? "none" : string.Join(", ", d.Guardrails.Select(g => g.Name)))}");
        output.WriteLine($"policy version: {d.PolicyVersion}");
        output.WriteLine($"decision id:    {d.DecisionId} ({Name(d.Source.ToString())})");
        if (d.Trace.Count == 0) return;
        output.WriteLine("trace:");
        foreach (var t in d.Trace) output.WriteLine($"  {(t.Applied ? "+" : "-")} {t.Stage,-17} {t.Subject,-24} {t.Detail}");
    }

    private static string Name(string pascal) => Cases.CaseFileReader.Snake(pascal);
}
