using System.CommandLine;
using SessionPolicy.Cli.Cases;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Commands;

/// <summary><c>policyctl test POLICY CASES</c>: evaluates each case locally; non-zero exit on any mismatch.</summary>
internal static class TestCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var policy = new Argument<FileInfo>("policy") { Description = "The policy file to test." };
        var cases = new Argument<FileInfo>("cases") { Description = "A YAML file of cases: each a name, a request (DecideRequest fields) and what to expect." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print passing cases too." };
        var command = new Command("test", "Evaluate a policy against a file of cases with expected decisions, like 'opa test'. Exits 1 when any case fails.")
        {
            policy, cases, verbose,
        };
        command.SetAction(parse => Run(parse.GetValue(policy)!, parse.GetValue(cases)!, parse.GetValue(verbose), output, error));
        return command;
    }

    private static int Run(FileInfo policyFile, FileInfo casesFile, bool verbose, TextWriter output, TextWriter error)
    {
        if (PolicyFiles.Load(policyFile, error) is not { } loaded) return PolicyCtl.InputError;
        if (loaded.Policy is null)
        {
            foreach (var e in loaded.Errors) error.WriteLine($"{policyFile.Name}:{e}");
            error.WriteLine($"{policyFile.Name}: refused; no case was run");
            return PolicyCtl.Failed;
        }
        string text;
        try
        {
            text = File.ReadAllText(casesFile.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{casesFile.FullName}: cannot read: {ex.Message}");
            return PolicyCtl.InputError;
        }
        var (testCases, problems) = CaseFileReader.Read(text);
        if (problems.Count > 0)
        {
            foreach (var p in problems) error.WriteLine($"{casesFile.Name}:{p}");
            return PolicyCtl.InputError;
        }

        var engine = new PolicyEngine(loaded.Policy, loaded.Version);
        int passed = 0, failed = 0;
        foreach (var c in testCases)
        {
            var mismatches = c.Expect.Mismatches(engine.Evaluate(c.Request, at: c.At)).ToList();
            if (mismatches.Count == 0)
            {
                passed++;
                if (verbose) output.WriteLine($"PASS {c.Name}");
                continue;
            }
            failed++;
            output.WriteLine($"FAIL {c.Name} ({casesFile.Name}:{c.Line})");
            foreach (var m in mismatches) output.WriteLine($"     {m}");
        }
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : PolicyCtl.Failed;
    }
}
